#!/usr/bin/env bash
# `make stack-down`: stops everything `make stack` started (PostgreSQL, Kafka, and dockerd only
# if the stack started it). Data stays in .stack/ for the next `make stack`; `rm -rf .stack`
# after stack-down starts from scratch.
set -euo pipefail
# shellcheck source=stack-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"

mkdir -p "$STACK_DIR"
exec 9>"$STACK_DIR/lock"
flock -w "$((STACK_TIMEOUT * 3))" 9 || die "another stack-up/stack-down still holds $STACK_DIR/lock"

here=$(dirname "${BASH_SOURCE[0]}")
status=0
"$here/stack-kafka.sh" down 9>&- || status=1
"$here/stack-postgres.sh" down 9>&- || status=1
"$here/stack-docker.sh" down 9>&- || status=1
# The settings file describes a running stack; without one it would only mislead.
rm -f "$STACK_DIR/stack.env"
if ((status == 0)); then say "stopped"; fi
exit "$status"
