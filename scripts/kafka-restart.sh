#!/usr/bin/env bash
# Restart only the stack's Kafka broker, for fault tests: `kafka-restart.sh [DOWNTIME_SECONDS]`
# stops the broker, waits DOWNTIME_SECONDS (default 0), and starts it again on the same data.
# The stack is the one the JUDGE_STACK_* settings select (docs/stack.md); the e2e fault tests
# point them at a private stack of their own, so the shared broker is never restarted under
# other people's tests.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=stack-lib.sh
source "$here/stack-lib.sh"

downtime=${1:-0}
is_uint "$downtime" || die "kafka-restart.sh: downtime $downtime: want a whole number of seconds"
mkdir -p "$STACK_DIR"
exec 9>"$STACK_DIR/lock"
flock -w "$((STACK_TIMEOUT * 3))" 9 || die "another stack script still holds $STACK_DIR/lock"
"$here/stack-kafka.sh" down 9>&-
sleep "$downtime"
"$here/stack-kafka.sh" up 9>&-
