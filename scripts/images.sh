#!/usr/bin/env bash
# `make images`: builds the runtime images the language table uses (`judged image build ARGS`),
# installing mmdebstrap, which bootstraps their root file systems, and maven, which fetches the
# Kotlin, Scala and Groovy compilers of the jvm image, when they are missing.
# The Docker engine must answer (make stack); images already up to date are not rebuilt.
set -euo pipefail
# shellcheck source=stack-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"
need_commands mmdebstrap mvn
cd "$ROOT"
# JUDGED names a built judged binary to use instead of `go run` (make up passes bin/judged).
if [[ -n ${JUDGED:-} ]]; then
	exec "$JUDGED" image build "$@"
fi
exec go run ./cmd/judged image build "$@"
