#!/usr/bin/env bash
# The stack's Docker engine: `stack-docker.sh up|down|status`.
#
# An engine that already answers is used as it is and never stopped. Only when none answers on a
# unix socket does the stack start dockerd itself, recording its pid in .stack/dockerd.pid so
# that `make stack-down` stops that one and no other.
set -euo pipefail
# shellcheck source=stack-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"

DOCKERD_LOG=$STACK_DIR/dockerd.log
DOCKERD_PID=$STACK_DIR/dockerd.pid

docker_ready() {
	docker -H "$DOCKER_HOST_URL" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

up() {
	check_settings
	need_commands docker dockerd pgrep
	if docker_ready; then
		if pid_alive "$DOCKERD_PID" dockerd; then
			say "docker: already running at $DOCKER_HOST_URL (started by the stack, pid $(<"$DOCKERD_PID"))"
		else
			say "docker: engine answers at $DOCKER_HOST_URL"
		fi
		return 0
	fi
	[[ $DOCKER_HOST_URL == unix://* ]] ||
		die "JUDGE_STACK_DOCKER_HOST=$DOCKER_HOST_URL: no engine answers there, and the stack only starts dockerd on a local unix socket"
	((EUID == 0)) || die "docker: no engine answers at $DOCKER_HOST_URL and starting dockerd needs root"
	local sock=${DOCKER_HOST_URL#unix://}
	if [[ -S $sock ]] && ! pid_alive "$DOCKERD_PID" dockerd && pgrep -x dockerd >/dev/null 2>&1; then
		die "docker: a dockerd runs but does not answer at $DOCKER_HOST_URL (JUDGE_STACK_DOCKER_HOST): check it, or stop it and re-run"
	fi
	# A dockerd killed without shutting down leaves its pid file; if that pid now belongs to
	# another process, a new dockerd refuses to start. No dockerd runs, so the file is stale.
	if [[ -f /var/run/docker.pid ]] && ! pgrep -x dockerd >/dev/null 2>&1 && [[ -z ${JUDGE_STACK_DOCKERD_ARGS:-} ]]; then
		rm -f /var/run/docker.pid
	fi
	mkdir -p "$STACK_DIR"
	say "docker: starting dockerd on $DOCKER_HOST_URL (log: $DOCKERD_LOG)"
	local extra=()
	read -r -a extra <<<"${JUDGE_STACK_DOCKERD_ARGS:-}"
	(exec setsid dockerd -H "$DOCKER_HOST_URL" "${extra[@]}" </dev/null >>"$DOCKERD_LOG" 2>&1) &
	echo $! >"$DOCKERD_PID"
	local deadline=$((SECONDS + STACK_TIMEOUT))
	until docker_ready; do
		if ! child_alive "$DOCKERD_PID"; then
			tail -n 20 "$DOCKERD_LOG" | sed 's/^/  | /' >&2
			die "dockerd exited while starting; see $DOCKERD_LOG"
		fi
		if ((SECONDS >= deadline)); then
			tail -n 20 "$DOCKERD_LOG" | sed 's/^/  | /' >&2
			die "docker did not answer within ${STACK_TIMEOUT}s (JUDGE_STACK_TIMEOUT); see $DOCKERD_LOG"
		fi
		sleep 0.5
	done
}

down() {
	# An engine the stack did not start is left alone (it may run other people's containers).
	stop_pid "$DOCKERD_PID" dockerd dockerd
}

status() {
	docker_ready
}

case ${1:-} in
up | down | status) "$1" ;;
*) die "usage: $0 up|down|status" ;;
esac
