#!/usr/bin/env bash
# A Docker registry (Debian's docker-registry, the CNCF distribution registry) in the foreground:
#
#   scripts/registry.sh CONFIG.yml
#
# Installs the package when the command is missing. pkg/image's push/pull tests run one on a
# loopback port (dockerd treats 127.0.0.0/8 as an insecure registry, so plain HTTP works there);
# for a cluster, run it as a service with TLS (docs/operations.md, "Runtime images").
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=stack-lib.sh
source "$here/stack-lib.sh"
[[ $# == 1 && -f $1 ]] || die "usage: $0 CONFIG.yml (a docker-registry configuration)"
need_commands docker-registry
exec docker-registry serve "$1"
