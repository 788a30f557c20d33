# shellcheck shell=bash disable=SC2034 # the settings are used by the scripts that source this file
# Shared settings and helpers of the local stack scripts (sourced, not run).
#
# Every setting can be overridden from the environment; docs/stack.md lists them.

# CI may run without HOME; go, mvn and the cache below all need one.
if [[ -z ${HOME:-} ]]; then
	HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
	export HOME=${HOME:-/root}
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${JUDGE_STACK_DIR:-$ROOT/.stack}
STACK_CACHE=${JUDGE_STACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/judge}
STACK_TIMEOUT=${JUDGE_STACK_TIMEOUT:-120}

PG_PORT=${JUDGE_STACK_PG_PORT:-55432}
KAFKA_PORT=${JUDGE_STACK_KAFKA_PORT:-59092}
KAFKA_CONTROLLER_PORT=${JUDGE_STACK_KAFKA_CONTROLLER_PORT:-59093}
KAFKA_VERSION=${JUDGE_STACK_KAFKA_VERSION:-4.4.0}
KAFKA_HEAP=${JUDGE_STACK_KAFKA_HEAP:-768m}
DOCKER_HOST_URL=${JUDGE_STACK_DOCKER_HOST:-${DOCKER_HOST:-unix:///var/run/docker.sock}}

say() { printf 'stack: %s\n' "$*"; }
die() {
	printf 'stack: error: %s\n' "$*" >&2
	exit 1
}

# is_uint VALUE: a plain decimal number.
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

check_port_setting() { # NAME VALUE
	if ! is_uint "$2" || (($2 < 1 || $2 > 65535)); then
		die "$1=$2: not a TCP port (want 1-65535)"
	fi
}

check_settings() {
	check_port_setting JUDGE_STACK_PG_PORT "$PG_PORT"
	check_port_setting JUDGE_STACK_KAFKA_PORT "$KAFKA_PORT"
	check_port_setting JUDGE_STACK_KAFKA_CONTROLLER_PORT "$KAFKA_CONTROLLER_PORT"
	[[ $KAFKA_PORT != "$KAFKA_CONTROLLER_PORT" ]] ||
		die "JUDGE_STACK_KAFKA_PORT and JUDGE_STACK_KAFKA_CONTROLLER_PORT are both $KAFKA_PORT: they must differ"
	if ! is_uint "$STACK_TIMEOUT" || ((STACK_TIMEOUT == 0)); then
		die "JUDGE_STACK_TIMEOUT=$STACK_TIMEOUT: want a number of seconds greater than 0"
	fi
	[[ $KAFKA_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
		die "JUDGE_STACK_KAFKA_VERSION=$KAFKA_VERSION: want a release like 4.4.0 or 3.9.1"
	[[ $KAFKA_HEAP =~ ^[0-9]+[mMgG]$ ]] ||
		die "JUDGE_STACK_KAFKA_HEAP=$KAFKA_HEAP: want a JVM size like 768m or 1g"
	case $DOCKER_HOST_URL in
	unix://* | tcp://*) ;;
	*) die "JUDGE_STACK_DOCKER_HOST=$DOCKER_HOST_URL: want unix:///path/to/docker.sock or tcp://host:port" ;;
	esac
}

# port_owner PORT: prints who listens on PORT (e.g. `java pid 123 on 127.0.0.1:59092`), empty if
# nobody does.
port_owner() {
	local line
	line=$(ss -Hltnp "( sport = :$1 )" 2>/dev/null | head -n1)
	[[ -n $line ]] || return 0
	local addr
	addr=$(awk '{print $4}' <<<"$line")
	if [[ $line =~ \(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
		printf '%s pid %s on %s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "$addr"
	else
		printf 'a process on %s\n' "$addr"
	fi
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_until SERVICE LOGFILE CMD...: polls CMD every half second until it succeeds, giving up
# after STACK_TIMEOUT seconds with an error that names the service and its log.
wait_until() {
	local service=$1 log=$2
	shift 2
	local deadline=$((SECONDS + STACK_TIMEOUT))
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			[[ -f $log ]] && tail -n 20 "$log" | sed 's/^/  | /' >&2
			die "$service did not answer within ${STACK_TIMEOUT}s (JUDGE_STACK_TIMEOUT); see $log"
		fi
		sleep 0.5
	done
}

# pidfile_pid PIDFILE: prints the pid PIDFILE holds; fails when there is none.
pidfile_pid() {
	local pid
	[[ -f $1 ]] || return 1
	pid=$(<"$1")
	is_uint "$pid" || return 1
	printf '%s\n' "$pid"
}

# pid_alive PIDFILE PATTERN: the pid in PIDFILE runs and its command line contains PATTERN.
pid_alive() {
	local pid
	pid=$(pidfile_pid "$1") || return 1
	[[ -r /proc/$pid/cmdline ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}

# child_alive PIDFILE: the process this script just started in the background still runs. While
# it starts, its command line may still be this shell's (the fork has not reached exec yet), so
# pid_alive's pattern check would call a healthy start dead; a zombie counts as exited.
child_alive() {
	local pid stat state
	pid=$(pidfile_pid "$1") || return 1
	{ stat=$(<"/proc/$pid/stat"); } 2>/dev/null || return 1
	# "PID (COMM) STATE ...": the command name may hold spaces and parentheses.
	state=${stat##*) }
	[[ ${state%% *} != Z ]]
}

# stop_pid PIDFILE PATTERN NAME: TERM the process, wait for it, KILL it if it lingers.
stop_pid() {
	local pidfile=$1 pattern=$2 name=$3 pid
	if ! pid_alive "$pidfile" "$pattern"; then
		rm -f "$pidfile"
		return 0
	fi
	pid=$(<"$pidfile")
	say "stopping $name (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	local deadline=$((SECONDS + 60))
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			say "$name did not stop within 60s: killing pid $pid"
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	rm -f "$pidfile"
}

# need_commands CMD...: installs the Debian packages (named in scripts/host-tools.tsv) of the
# commands that are missing, running `apt-get update` once first, only when something is missing.
APT_UPDATED=
need_commands() {
	local missing=() cmd pkg
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 && continue
		pkg=$(awk -F'\t' -v c="$cmd" '$1 == c && $3 == "install" {print $2}' "$ROOT/scripts/host-tools.tsv")
		[[ -n $pkg ]] || die "$cmd is missing and scripts/host-tools.tsv names no package to install for it"
		missing+=("$pkg")
	done
	((${#missing[@]} == 0)) && return 0
	install_packages "${missing[@]}"
}

install_packages() {
	((EUID == 0)) || die "missing Debian packages ${*}: run \`sudo apt-get install $*\` (or make stack as root)"
	command -v apt-get >/dev/null || die "missing packages $*, and no apt-get to install them: install them by hand"
	mkdir -p "$STACK_DIR"
	say "installing $* (log: $STACK_DIR/apt.log)"
	if [[ -z $APT_UPDATED ]]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$STACK_DIR/apt.log" 2>&1 ||
			die "apt-get update failed; see $STACK_DIR/apt.log"
		APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$STACK_DIR/apt.log" 2>&1 ||
		die "apt-get install $* failed; see $STACK_DIR/apt.log"
}

# pinned_venv NAME REQUIREMENTS: a Python virtualenv in $STACK_CACHE/NAME with exactly the pins of
# the requirements file REQUIREMENTS, made (or remade when the pins changed) on first use; prints
# the path of its python on stdout, everything else on stderr. python3's venv module needs the
# Debian package python3-venv, installed here when missing (as root).
pinned_venv() {
	local name=$1 req=$2 venv=$STACK_CACHE/$1 log=$STACK_DIR/venv-$1.log
	if [[ -x $venv/bin/python && -f $venv/.pins ]] && cmp -s "$req" "$venv/.pins"; then
		printf '%s\n' "$venv/bin/python"
		return 0
	fi
	mkdir -p "$STACK_DIR" "$STACK_CACHE"
	need_commands python3 >&2
	# Debian splits ensurepip (which `python3 -m venv` needs) into python3-venv.
	if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
		install_packages python3-venv >&2
	fi
	say "creating the $name virtualenv in $venv (log: $log)" >&2
	rm -rf "$venv"
	if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --disable-pip-version-check --no-input -r "$req"; } >"$log" 2>&1; then
		tail -n 20 "$log" | sed 's/^/  | /' >&2
		rm -rf "$venv"
		die "installing the $name virtualenv failed; see $log"
	fi
	cp "$req" "$venv/.pins"
	printf '%s\n' "$venv/bin/python"
}

# reference_tool NAME: the virtualenv of a reference checker of the problem package format
# (problemtools, BAPCtools), pinned by scripts/NAME.txt, with stdin written as its
# config/NAME/languages.yaml (the tests pass config/ as XDG_CONFIG_HOME); prints the virtualenv's
# directory. The tools compile and run submissions with the host's gcc, g++ and python3.
reference_tool() {
	local name=$1 python dir
	need_commands gcc g++ >&2
	python=$(pinned_venv "$name" "$(dirname "${BASH_SOURCE[0]}")/$name.txt")
	dir=$(dirname "$(dirname "$python")")
	mkdir -p "$dir/config/$name"
	cat >"$dir/config/$name/languages.yaml"
	printf '%s\n' "$dir"
}
