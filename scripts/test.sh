#!/usr/bin/env bash
# `make test`: the whole suite on the real stack, exactly what CI runs (.ci/run).
#
# Brings the stack up, builds the runtime images, installs problemtools and BAPCtools (the
# differential checks of the example packages), vets, and runs every test with -race and
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
read -r -a PKGS <<<"${JUDGE_TEST_PKGS:-./...}"
# Tests and judged find the stack this script brings up, wherever JUDGE_STACK_DIR puts it.
export JUDGE_STACK_FILE=$STACK_DIR/stack.env

teardown=1
if [[ ${JUDGE_STACK_KEEP:-} == 1 ]]; then
	teardown=0
elif "$here/stack-status.sh" >/dev/null 2>&1; then
	say "the stack was already running: leaving it running afterwards"
	teardown=0
fi
if ((teardown)); then
	trap '"$here/stack-down.sh"' EXIT
	# An interrupted run still tears down: turn the signal into an exit, which runs the EXIT trap.
	trap 'exit 130' INT
	trap 'exit 143' TERM
fi

"$here/stack-up.sh" || exit 1
say "building runtime images: scripts/images.sh (log: $STACK_DIR/images.log)"
if ! "$here/images.sh" >"$STACK_DIR/images.log" 2>&1; then
	tail -n 30 "$STACK_DIR/images.log" | sed 's/^/  | /' >&2
	say "runtime images failed to build; see $STACK_DIR/images.log"
	exit 1
fi
grep -o 'judge-runtime-[a-z0-9]*:[0-9a-f]*' "$STACK_DIR/images.log" | sort -u | sed 's/^/  /'
# Programs the tests themselves drive (judgectl watch runs in tmux; see scripts/host-tools.tsv).
need_commands tmux iptables
say "installing problemtools for the differential test: scripts/problemtools.sh (log: $STACK_DIR/problemtools.log)"
if ! JUDGE_PROBLEMTOOLS=$("$here/problemtools.sh" 2>"$STACK_DIR/problemtools.log" | tail -n 1); then
	tail -n 30 "$STACK_DIR/problemtools.log" | sed 's/^/  | /' >&2
	say "problemtools failed to install; see $STACK_DIR/problemtools.log"
	exit 1
fi
export JUDGE_PROBLEMTOOLS JUDGE_REQUIRE_PROBLEMTOOLS=1
# The CI examples run for real (act, gitlab-ci-local; e2e/classroom_test.go installs them through
# scripts/classroom-tools.sh): about a minute. JUDGE_CLASSROOM_TESTS=0 skips them.
export JUDGE_CLASSROOM_TESTS=${JUDGE_CLASSROOM_TESTS:-1}
say "installing BAPCtools for the 2023-07 differential test: scripts/bapctools.sh (log: $STACK_DIR/bapctools.log)"
if ! JUDGE_BAPCTOOLS=$("$here/bapctools.sh" 2>"$STACK_DIR/bapctools.log" | tail -n 1); then
	tail -n 30 "$STACK_DIR/bapctools.log" | sed 's/^/  | /' >&2
	say "BAPCtools failed to install; see $STACK_DIR/bapctools.log"
	exit 1
fi
export JUDGE_BAPCTOOLS JUDGE_REQUIRE_BAPCTOOLS=1
say "go vet ${PKGS[*]}"
go vet "${PKGS[@]}" || exit 1
say "go test -race -p $GO_TEST_P -timeout $GO_TEST_TIMEOUT ${PKGS[*]}"
JUDGE_REQUIRE_STACK=1 go test -race -p "$GO_TEST_P" -timeout "$GO_TEST_TIMEOUT" "${PKGS[@]}"
status=$?
if ((status == 0)); then say "tests passed"; else say "tests FAILED (exit $status)"; fi
exit "$status"
