#!/usr/bin/env bash
# `make stack`: starts the local stack (PostgreSQL, Kafka, Docker) and writes .stack/stack.env.
# Idempotent: services already running are left as they are. See docs/stack.md.
set -euo pipefail
# shellcheck source=stack-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"

check_settings
mkdir -p "$STACK_DIR"
# One `make stack`/`stack-down` at a time: several people (and `make test`) share the stack.
exec 9>"$STACK_DIR/lock"
if ! flock -n 9; then
	say "waiting for another stack-up/stack-down to finish"
	flock -w "$((STACK_TIMEOUT * 3))" 9 || die "another stack-up/stack-down still holds $STACK_DIR/lock"
fi

started=$SECONDS
here=$(dirname "${BASH_SOURCE[0]}")
"$here/stack-postgres.sh" up 9>&-
"$here/stack-kafka.sh" up 9>&-
"$here/stack-docker.sh" up 9>&-

env_file=$STACK_DIR/stack.env
tmp=$(mktemp "$env_file.XXXXXX")
cat >"$tmp" <<EOT
# Written by scripts/stack-up.sh (\`make stack\`); read by judged, judgectl and internal/testenv.
JUDGE_DATABASE_URL=postgres://judge@127.0.0.1:$PG_PORT/judge?sslmode=disable
JUDGE_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
JUDGE_DOCKER_HOST=$DOCKER_HOST_URL
EOT
chmod 644 "$tmp"
mv "$tmp" "$env_file"
say "ready in $((SECONDS - started))s; settings in $env_file:"
grep -v '^#' "$env_file"
