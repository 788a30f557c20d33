#!/usr/bin/env bash
# Sandbox benchmark (docs/benchmarks.md, "Sandbox"), all figures from one run on this machine:
#   (a) `docker run --rm <base image> true` loop rate at concurrency 1 and 4;
#   (b) submissions/s (compile + 1 test, compile cache off) for Python and C hello-world at
#       concurrency 1, 2 and 4, in fresh and reuse mode;
#   (c) per-test overhead in a warm container against the same binary run directly on the host;
#   (d) the agent's peak RSS moving 64 MiB of output and 64 MiB of input (fresh containers).
# Usage: bench/sandbox/run.sh [seconds per point, default 10]. Needs Docker and the base image.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=${1:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/judged" ./cmd/judged
go build -o "$tmp/bench" ./bench/sandbox
img=$("$tmp/bench" -print-image)

echo "# machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), docker $(docker version -f '{{.Server.Version}}'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# image: $img, $D s per point"

docker_rate() {
	local c=$1 start end total=0
	start=$(date +%s.%N)
	end=$(( $(date +%s) + D ))
	for i in $(seq "$c"); do
		(
			n=0
			while [ "$(date +%s)" -lt "$end" ]; do
				docker run --rm --network none "$img" true >/dev/null
				n=$((n + 1))
			done
			echo "$n" >"$tmp/w$i"
		) &
	done
	wait
	for i in $(seq "$c"); do total=$((total + $(cat "$tmp/w$i"))); done
	awk -v n="$total" -v s="$start" -v e="$(date +%s.%N)" -v c="$c" \
		'BEGIN { printf "docker-run c=%d runs=%d rate=%.1f/s\n", c, n, n / (e - s) }'
}

docker_rate 1
docker_rate 4
for mode in fresh reuse; do
	for lang in python3 c; do
		for c in 1 2 4; do
			"$tmp/bench" -agent "$tmp/judged" -mode "$mode" -lang "$lang" -c "$c" -d "${D}s"
		done
	done
done
"$tmp/bench" -agent "$tmp/judged" -overhead 500
"$tmp/bench" -agent "$tmp/judged" -mode fresh -agent-rss
