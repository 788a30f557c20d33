#!/usr/bin/env bash
# The stack's private PostgreSQL cluster: `stack-postgres.sh up|down|crash|status`.
# `crash` stops it the way a power cut does (`pg_ctl stop -m immediate`: no checkpoint, crash
# recovery on the next `up`), for fault tests of a private stack.
#
# Its own data directory (.stack/pg, owned by the postgres system user because PostgreSQL refuses
# to run as root), its own port and socket directory, wal_level=logical for the relay, and trust
# authentication for loopback only. The superuser role and the database are both named `judge`.
set -euo pipefail
# shellcheck source=stack-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"

PG_LOG=$STACK_DIR/postgres.log
PG_SOCK=$STACK_DIR/pg-socket

pg_bindir() {
	local d
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n1)
	[[ -n $d && -x $d/initdb ]] && printf '%s\n' "$d"
}

# The data directory must be reachable by the postgres user; a checkout under a private home
# directory is not, so the cluster then lives under /var/lib/judge-stack instead.
pg_datadir() {
	if [[ -f $STACK_DIR/pg.path ]]; then
		cat "$STACK_DIR/pg.path"
		return
	fi
	printf '%s\n' "$STACK_DIR/pg"
}

# as_pg CMD...: runs CMD as the postgres user when we are root, as ourselves otherwise.
as_pg() {
	if ((EUID == 0)); then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

choose_datadir() {
	local dir=$STACK_DIR/pg
	mkdir -p "$dir"
	((EUID == 0)) || return 0
	chown postgres:postgres "$dir"
	chmod 700 "$dir"
	if ! runuser -u postgres -- test -w "$dir" 2>/dev/null; then
		local alt
		alt=/var/lib/judge-stack/$(printf '%s' "$STACK_DIR" | sha256sum | cut -c1-12)/pg
		say "postgres user cannot reach $dir: using $alt"
		mkdir -p "$alt"
		chown postgres:postgres "$alt"
		chmod 700 "$alt"
		printf '%s\n' "$alt" >"$STACK_DIR/pg.path"
	fi
}

write_conf() {
	local data=$1
	# Rewritten on every start so a changed port takes effect; initdb's postgresql.conf includes it.
	cat >"$data/judge-stack.conf" <<EOF
# Written by scripts/stack-postgres.sh on every \`make stack\`; edit that script, not this file.
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCK'
wal_level = logical
max_replication_slots = 64
max_wal_senders = 64
max_connections = 300
shared_buffers = 128MB
# Tests open many short-lived databases; a slot left behind by a crashed test must not fill the disk.
max_slot_wal_keep_size = 1GB
# Statement counts for \`judgectl bench --database-url\` (docs/benchmarks.md); part of the server package.
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
EOF
	((EUID == 0)) && chown postgres:postgres "$data/judge-stack.conf"
	return 0
}

pg_ready() {
	"$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U judge -d postgres
}

up() {
	check_settings
	if ((EUID == 0)); then
		need_commands ss
		[[ -n $(pg_bindir) ]] || install_packages postgresql
		id postgres >/dev/null 2>&1 || die "the postgres system user does not exist: reinstall the postgresql package"
	fi
	BIN=$(pg_bindir) || die "PostgreSQL server binaries (initdb) not found: apt-get install postgresql"
	mkdir -p "$STACK_DIR"
	[[ -f $STACK_DIR/pg.path ]] || choose_datadir
	local data
	data=$(pg_datadir)

	mkdir -p "$PG_SOCK"
	touch "$PG_LOG"
	if ((EUID == 0)); then chown postgres:postgres "$PG_SOCK" "$PG_LOG"; fi

	local running=0 owner
	if [[ -f $data/PG_VERSION ]] && as_pg "$BIN/pg_ctl" status -D "$data" >/dev/null 2>&1; then
		running=1
	else
		owner=$(port_owner "$PG_PORT")
		[[ -z $owner ]] || die "JUDGE_STACK_PG_PORT=$PG_PORT: port taken by another process ($owner): stop it or choose another port"
	fi

	if [[ ! -f $data/PG_VERSION ]]; then
		say "postgres: initializing cluster in $data"
		as_pg "$BIN/initdb" -D "$data" -U judge --auth=trust -E UTF8 --locale=C.UTF-8 >>"$PG_LOG" 2>&1 ||
			die "postgres: initdb failed; see $PG_LOG"
		printf "\ninclude_if_exists = 'judge-stack.conf'\n" >>"$data/postgresql.conf"
	fi
	write_conf "$data"

	if ((running)); then
		if pg_ready; then
			say "postgres: already running on 127.0.0.1:$PG_PORT"
		else
			say "postgres: running but not on port $PG_PORT: restarting"
			as_pg "$BIN/pg_ctl" restart -D "$data" -m fast -w -t "$STACK_TIMEOUT" -l "$PG_LOG" >/dev/null 2>&1 ||
				die "postgres: restart failed; see $PG_LOG"
		fi
	else
		say "postgres: starting on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
		as_pg "$BIN/pg_ctl" start -D "$data" -w -t "$STACK_TIMEOUT" -l "$PG_LOG" >/dev/null 2>&1 ||
			die "postgres: did not start; see $PG_LOG"
	fi
	wait_until postgres "$PG_LOG" pg_ready
	if [[ $("$BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U judge -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'judge'") != 1 ]]; then
		"$BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U judge judge || die "postgres: create database judge failed"
	fi
	local wal
	wal=$("$BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U judge -d judge -tAc "SHOW wal_level")
	[[ $wal == logical ]] || die "postgres: wal_level is $wal, want logical; see $data/postgresql.conf"
}

down() {
	local data
	data=$(pg_datadir)
	BIN=$(pg_bindir) || return 0
	[[ -f $data/PG_VERSION ]] || return 0
	if as_pg "$BIN/pg_ctl" status -D "$data" >/dev/null 2>&1; then
		say "stopping postgres"
		as_pg "$BIN/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null 2>&1 ||
			as_pg "$BIN/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null 2>&1 ||
			die "postgres: could not stop the cluster in $data; see $PG_LOG"
	fi
}

crash() {
	local data
	data=$(pg_datadir)
	BIN=$(pg_bindir) || die "PostgreSQL server binaries not found"
	[[ -f $data/PG_VERSION ]] || die "postgres: no cluster in $data"
	as_pg "$BIN/pg_ctl" status -D "$data" >/dev/null 2>&1 || die "postgres: not running in $data"
	say "crashing postgres (immediate shutdown)"
	as_pg "$BIN/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null 2>&1 ||
		die "postgres: immediate shutdown of $data failed; see $PG_LOG"
}

status() {
	BIN=$(pg_bindir) || return 1
	pg_ready
}

case ${1:-} in
up | down | crash | status) "$1" ;;
*) die "usage: $0 up|down|crash|status" ;;
esac
