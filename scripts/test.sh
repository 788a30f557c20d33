#!/usr/bin/env bash
# `make test`: the whole suite on the real stack, exactly what CI runs (.ci/run).
#
# Brings the stack up, builds the runtime images, vets, and runs every test with -race and
# JUDGE_REQUIRE_STACK=1 (a missing service fails instead of skipping). The stack is torn down
# afterwards, also when tests fail, unless it was already running before (someone else's stack is
# left alone) or JUDGE_STACK_KEEP=1. Exits with the tests' status.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=stack-lib.sh
source "$here/stack-lib.sh"
cd "$ROOT" || exit 1

GO_TEST_TIMEOUT=${JUDGE_TEST_TIMEOUT:-30m}
GO_TEST_P=${JUDGE_TEST_P:-2}

teardown=1
if [[ ${JUDGE_STACK_KEEP:-} == 1 ]]; then
	teardown=0
elif "$here/stack-status.sh" >/dev/null 2>&1; then
	say "the stack was already running: leaving it running afterwards"
	teardown=0
fi
if ((teardown)); then
	trap '"$here/stack-down.sh"' EXIT
fi

"$here/stack-up.sh" || exit 1
say "building runtime images (go run ./cmd/judged image build)"
go run ./cmd/judged image build || exit 1
say "go vet ./..."
go vet ./... || exit 1
say "go test -race -p $GO_TEST_P -timeout $GO_TEST_TIMEOUT ./..."
JUDGE_REQUIRE_STACK=1 go test -race -p "$GO_TEST_P" -timeout "$GO_TEST_TIMEOUT" ./...
status=$?
if ((status == 0)); then say "tests passed"; else say "tests FAILED (exit $status)"; fi
exit "$status"
