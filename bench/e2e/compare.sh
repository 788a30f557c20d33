#!/usr/bin/env bash
# End-to-end cost of two builds side by side (docs/benchmarks.md, "Pipeline cost per
# submission"): the judge at BASE (a git revision) and the working tree each run as their own
# `judged all` (one worker, 2 slots, reuse sandbox) on their own database, replication slot,
# Kafka topic and consumer group of the local stack, at the same time; `judgectl bench` (the
# working tree's) then loads them in turn, for every RUN given (new first, then old first for
# the next RUN, and so on), so both are measured in the same minutes. Each bench prints
# end-to-end latency and the server's CPU and database work per submission.
#
# Usage: bench/e2e/compare.sh BASE RUN...     RUN is RATE:DURATION:FILE, e.g. 120:20s:hello.c
#   bench/e2e/compare.sh main 60:20s:examples/bench/hello.c 120:20s:examples/bench/hello.c
# Needs the stack (`make stack`) and the runtime images (`make images`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
(($# >= 2)) || {
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
base=$1
shift
[[ -f .stack/stack.env ]] || {
	echo "compare: no .stack/stack.env: run \`make stack\` first" >&2
	exit 1
}
# shellcheck source=/dev/null
source .stack/stack.env
export JUDGE_DATABASE_URL JUDGE_KAFKA_BROKERS JUDGE_DOCKER_HOST

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	for v in old new; do drop_db "$v"; done
	rm -rf "$work"
}
trap cleanup EXIT

# db_url VARIANT: the stack's URL with the variant's database.
db_url() { sed "s#/[^/?]*?#/judge_cmp_$1?#" <<<"$JUDGE_DATABASE_URL"; }
psql_stack() { psql -X -q -v ON_ERROR_STOP=1 "$JUDGE_DATABASE_URL" "$@"; }
drop_db() {
	psql_stack -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'judge_cmp_$1' AND NOT active" >/dev/null 2>&1 || true
	psql_stack -c "DROP DATABASE IF EXISTS judge_cmp_$1 WITH (FORCE)" >/dev/null
}

echo "# building new (working tree) and old ($base)"
mkdir -p "$work/old/src"
git archive "$base" | tar -x -C "$work/old/src"
CGO_ENABLED=0 go build -o "$work/new/judged" ./cmd/judged
go build -o "$work/judgectl" ./cmd/judgectl
(cd "$work/old/src" && CGO_ENABLED=0 go build -o "$work/old/judged" ./cmd/judged)

# free_port: the first port from $port up that nothing listens on.
free_port() {
	while [[ -n $(ss -Htln "sport = :$port") ]]; do port=$((port + 1)); done
}
port=18500
declare -A server token pid
for v in new old; do
	free_port
	drop_db "$v"
	psql_stack -c "CREATE DATABASE judge_cmp_$v" >/dev/null
	url=$(db_url "$v")
	"$work/$v/judged" migrate --database-url "$url" >/dev/null
	token[$v]=$("$work/$v/judged" token create --database-url "$url" --name bench --role admin 2>/dev/null)
	server[$v]=http://127.0.0.1:$port
	JUDGE_KAFKA_TOPIC=judge-cmp-$v JUDGE_SUBMIT_RATE=0 JUDGE_LOG_LEVEL=warn \
		"$work/$v/judged" all --database-url "$url" --listen "127.0.0.1:$port" \
		--slot "judge_cmp_$v" --group "judge-cmp-$v" >"$work/$v.log" 2>&1 &
	pids+=($!)
	pid[$v]=$!
	port=$((port + 1))
done
for v in new old; do
	for _ in $(seq 120); do
		curl -fsS "${server[$v]}/readyz" >/dev/null 2>&1 && break
		sleep 0.5
	done
	# Ready, and from this judged (not another one that took the port meanwhile).
	curl -fsS "${server[$v]}/readyz" >/dev/null && kill -0 "${pid[$v]}" || {
		tail -n 20 "$work/$v.log" >&2
		echo "compare: judged ($v) did not become ready" >&2
		exit 1
	}
done

# Warm both up first: the first submissions of a new judge create its topic's partitions, join
# its consumer group, compile the file and fill the container pool, which is not what a run
# measures.
declare -A warmed
for run in "$@"; do
	IFS=: read -r _ _ file <<<"$run"
	[[ -z ${warmed[$file]:-} ]] || continue
	warmed[$file]=1
	for v in new old; do
		"$work/judgectl" bench --server "${server[$v]}" --token "${token[$v]}" --rate 20 \
			--duration 2s --drain 60s --file "$file" >/dev/null 2>&1 || true
	done
done

echo "# machine: $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
# The second of two loads runs after the first's aftermath (its database's autovacuum, a
# checkpoint's full-page writes): two identical builds measured 116 ms and 2.55 s p99 at C
# 200/s in that order. So the order alternates from one RUN to the next; give a RUN twice to
# measure each build both first and second.
order=(new old)
for run in "$@"; do
	IFS=: read -r rate duration file <<<"$run"
	for v in "${order[@]}"; do
		echo "## $v ($([[ $v == new ]] && git describe --always --dirty || echo "$base")): $rate/s × $duration, $file, load $(cut -d' ' -f1 /proc/loadavg)"
		"$work/judgectl" bench --server "${server[$v]}" --token "${token[$v]}" --rate "$rate" \
			--duration "$duration" --drain 60s --file "$file" --stack-dir "$root/.stack" \
			--database-url "$(db_url "$v")" || true
	done
	order=("${order[1]}" "${order[0]}")
done
