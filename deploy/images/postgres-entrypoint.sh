#!/bin/sh
# Entry point of the judge-postgres image: initialises the cluster on first start (a `judge` role
# with POSTGRES_PASSWORD, a `judge` database), then runs PostgreSQL with the settings the relay
# needs (wal_level=logical, replication slots and senders).
set -eu
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
PGDATA=${PGDATA:-/var/lib/postgresql/data}
user=${POSTGRES_USER:-judge}
db=${POSTGRES_DB:-judge}
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
	echo "judge-postgres: set POSTGRES_PASSWORD (the password of role $user)" >&2
	exit 2
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	pw=$(mktemp)
	printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
	"$BIN/initdb" -D "$PGDATA" -U "$user" --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 \
		-E UTF8 --locale=C.UTF-8 >/dev/null
	rm -f "$pw"
	# Clients come from the container network; every connection, replication included, needs the password.
	printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
	echo "CREATE DATABASE \"$db\"" | "$BIN/postgres" --single -D "$PGDATA" -j postgres >/dev/null
	echo "judge-postgres: initialised $PGDATA (role $user, database $db)"
fi
exec "$BIN/postgres" -D "$PGDATA" \
	-c listen_addresses='*' \
	-c unix_socket_directories=/tmp \
	-c wal_level=logical \
	-c max_replication_slots="${POSTGRES_MAX_SLOTS:-16}" \
	-c max_wal_senders="${POSTGRES_MAX_SLOTS:-16}" \
	-c max_connections="${POSTGRES_MAX_CONNECTIONS:-200}" \
	-c max_slot_wal_keep_size=1GB \
	"$@"
