#!/usr/bin/env bash
# `make up`: the whole judge on this machine in one command. Starts the stack, builds the runtime
# images and the binaries, creates an admin token (once, kept in .stack/admin-token), runs
# `judged all` in the background (pid and log in .stack/), waits until it is ready, pushes the
# example problems, judges their example solutions, and points judgectl at the server.
# `scripts/up.sh down` (`make down`) stops judged and then the stack.
#
# Settings: JUDGE_LISTEN (default 127.0.0.1:8080) is where the API listens; JUDGE_UP_IMAGES
# (default: every recipe the language table uses; e.g. "--lang c,cpp,python3" builds only the
# images those languages need) is passed to `judged image build`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${JUDGE_STACK_DIR:-$ROOT/.stack}
BIN=$ROOT/bin
PID_FILE=$STACK_DIR/judged.pid
LOG_FILE=$STACK_DIR/judged.log
TOKEN_FILE=$STACK_DIR/admin-token
LISTEN=${JUDGE_LISTEN:-127.0.0.1:8080}
URL=http://$LISTEN

say() { printf 'up: %s\n' "$*"; }
die() {
	printf 'up: error: %s\n' "$*" >&2
	exit 1
}

# stop_judged sends SIGTERM (graceful: running submissions finish or are handed back) and
# waits up to 40s before SIGKILL.
stop_judged() {
	[[ -f $PID_FILE ]] || return 0
	local pid
	pid=$(cat "$PID_FILE")
	if kill -0 "$pid" 2>/dev/null && grep -q judged "/proc/$pid/cmdline" 2>/dev/null; then
		say "stopping judged (pid $pid)"
		kill -TERM "$pid"
		for _ in $(seq 1 400); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			say "judged did not stop within 40s; killing it"
			kill -KILL "$pid"
		fi
	fi
	rm -f "$PID_FILE"
}

if [[ ${1:-} == down ]]; then
	stop_judged
	exec "$ROOT/scripts/stack-down.sh"
fi

cd "$ROOT"
# shellcheck source=stack-lib.sh
(source "$ROOT/scripts/stack-lib.sh" && need_commands curl) || die "could not install curl"
say "starting the stack"
"$ROOT/scripts/stack-up.sh"
set -a
# shellcheck source=/dev/null
source "$STACK_DIR/stack.env"
set +a
export JUDGE_LISTEN=$LISTEN

say "building bin/judged and bin/judgectl"
make --no-print-directory build

say "building runtime images (skipped when up to date)"
# shellcheck disable=SC2086 # JUDGE_UP_IMAGES is a list of recipe names
JUDGED=$BIN/judged "$ROOT/scripts/images.sh" ${JUDGE_UP_IMAGES:-} || die "runtime images did not build; see the output above"

say "migrating the database"
"$BIN/judged" migrate

if [[ ! -s $TOKEN_FILE ]]; then
	say "creating an admin token"
	umask 077
	"$BIN/judged" token create --role admin --name "admin-$(date +%s)" | head -n 1 >"$TOKEN_FILE.tmp"
	mv "$TOKEN_FILE.tmp" "$TOKEN_FILE"
fi
TOKEN=$(cat "$TOKEN_FILE")
[[ $TOKEN == jdg_* ]] || die "$TOKEN_FILE does not hold a token; remove it and run make up again"

stop_judged
say "starting judged all on $LISTEN (log: $LOG_FILE)"
nohup "$BIN/judged" all >"$LOG_FILE" 2>&1 &
echo $! >"$PID_FILE"

ready=0
for _ in $(seq 1 600); do
	if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
		tail -n 20 "$LOG_FILE" >&2
		die "judged exited during start-up; the end of its log is above"
	fi
	if curl -fsS "$URL/readyz" >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 0.1
done
((ready)) || die "judged did not answer $URL/readyz within 60s; see $LOG_FILE"
say "judged is ready"

export JUDGE_SERVER=$URL JUDGE_TOKEN=$TOKEN
"$BIN/judgectl" config set server "$URL" --context local >/dev/null 2>&1 || die "judgectl config set server failed"
"$BIN/judgectl" config set token "$TOKEN" --context local >/dev/null 2>&1 || die "judgectl config set token failed"
"$BIN/judgectl" config use-context local >/dev/null 2>&1 || die "judgectl config use-context failed"

problems=()
if [[ -d examples/problems ]]; then
	for d in examples/problems/*/; do
		[[ -f $d/problem.yaml ]] && problems+=("${d%/}")
	done
fi
if ((${#problems[@]} == 0)); then
	say "no example problems in examples/problems: nothing to push or judge"
else
	for d in "${problems[@]}"; do
		say "pushing problem $(basename "$d")"
		"$BIN/judgectl" problem push "$d" || die "pushing $d failed"
	done
	say "judging the example solutions (submissions/accepted of each problem)"
	failed=0
	for d in "${problems[@]}"; do
		for f in "$d"/submissions/accepted/*; do
			[[ -f $f ]] || continue
			printf 'up: %-40s ' "$(basename "$d")/$(basename "$f")"
			if out=$("$BIN/judgectl" submit "$f" --problem "$(basename "$d")" --wait -o json 2>&1); then
				echo "AC"
			else
				failed=1
				verdict=$(printf '%s' "$out" | grep -o '"verdict": *"[A-Z]*"' | head -n 1 | grep -o '[A-Z][A-Z]*' || true)
				echo "${verdict:-failed}: $(printf '%s' "$out" | tail -n 1)"
			fi
		done
	done
	((failed == 0)) || say "some example solutions were not accepted (see above)"
fi

cat <<EOT

The judge is running.
  URL:     $URL
  token:   $TOKEN   (admin; also in $TOKEN_FILE)
  judgectl is configured (context "local"): try \`bin/judgectl languages\` or \`bin/judgectl watch\`
  log:     $LOG_FILE
  stop:    make down
EOT
