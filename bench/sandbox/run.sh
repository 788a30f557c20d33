#!/usr/bin/env bash
# Sandbox benchmark (docs/benchmarks.md, "Sandbox"), all figures from one run on this machine:
#   (a) `docker run --rm <base image> true` loop rate at concurrency 1, 2 and 4, interleaved with
#       (b) fresh-mode submissions/s (compile + 1 test, compile cache off) for Python and C
#       hello-world at the same concurrency, and a side-by-side table of the two;
#   (c) the same submissions in reuse mode;
#   (d) per-test overhead in a warm container against the same binary run directly on the host;
#   (e) the agent's peak RSS moving 64 MiB of output and 64 MiB of input (fresh containers).
# Usage: bench/sandbox/run.sh [-fresh] [-rounds N] [-old REV] [seconds per point, default 10]
#   -fresh    only (a), (b) and the table
#   -rounds N measure (a) and (b) N times over, alternating; the table gives each cell's median
#   -old REV  also measure the fresh points with the sandbox of git revision REV ("old"), run
#             alternately with this tree's ("new") in the same minutes; the old sandbox is driven
#             by this tree's benchmark command, so both are measured the same way
# Needs Docker and the base image.
set -euo pipefail
cd "$(dirname "$0")/../.."
fresh_only=0
rounds=1
old_rev=
while [ $# -gt 0 ]; do
	case $1 in
	-fresh) fresh_only=1; shift ;;
	-rounds) rounds=$2; shift 2 ;;
	-old) old_rev=$2; shift 2 ;;
	*) break ;;
	esac
done
D=${1:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/judged" ./cmd/judged
go build -o "$tmp/bench" ./bench/sandbox
builds=(new)
if [ -n "$old_rev" ]; then
	mkdir "$tmp/old"
	git archive "$old_rev" | tar -x -C "$tmp/old"
	cp bench/sandbox/main.go "$tmp/old/bench/sandbox/main.go"
	(cd "$tmp/old" && CGO_ENABLED=0 go build -o "$tmp/old-judged" ./cmd/judged && go build -o "$tmp/old-bench" ./bench/sandbox)
	builds=(old new)
fi
img=$("$tmp/bench" -print-image)

echo "# machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), docker $(docker version -f '{{.Server.Version}}'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# image: $img, $D s per point${old_rev:+, old = $old_rev}"

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

# sub BUILD MODE LANG C: one point, printed with the build's name in front.
sub() {
	local bin=$tmp/bench agent=$tmp/judged
	if [ "$1" = old ]; then bin=$tmp/old-bench agent=$tmp/old-judged; fi
	echo "$1 $("$bin" -agent "$agent" -mode "$2" -lang "$3" -c "$4" -d "${D}s")"
}

for r in $(seq "$rounds"); do
	for c in 1 2 4; do
		docker_rate "$c" | tee -a "$tmp/fresh"
		for lang in python3 c; do
			for b in "${builds[@]}"; do
				sub "$b" fresh "$lang" "$c" | tee -a "$tmp/fresh"
			done
		done
	done
	echo "# round $r done $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo
[ "$rounds" -gt 1 ] && echo "Medians of $rounds rounds:"
echo "| c | docker run --rm | $(for b in "${builds[@]}"; do printf 'fresh Python (%s) | ' "$b"; done)$(for b in "${builds[@]}"; do printf 'fresh C (%s) | ' "$b"; done | sed 's/ $//')"
echo "|---|---|$(for b in "${builds[@]}"; do printf -- '---|---|'; done)"
awk -v builds="${builds[*]}" '
	function rate(s) { sub(/.*rate=/, "", s); sub(/\/s.*/, "", s); return s }
	{ for (i = 1; i <= NF; i++) if ($i ~ /^c=/) c = substr($i, 3) }
	# add KEY VALUE: one more sample of a cell; med KEY: the median of its samples.
	function add(k, v) { s[k, ++ns[k]] = v }
	function med(k,    i, j, t, n) {
		n = ns[k]
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (s[k, j] < s[k, i]) { t = s[k, i]; s[k, i] = s[k, j]; s[k, j] = t }
		return sprintf("%.1f", n % 2 ? s[k, (n + 1) / 2] : (s[k, n / 2] + s[k, n / 2 + 1]) / 2)
	}
	/^docker-run/ { add("docker" SUBSEP c, rate($0) + 0) }
	/mode=fresh/ { add($1 SUBSEP (($0 ~ /lang=c /) ? "c" : "py") SUBSEP c, rate($0) + 0) }
	END {
		n = split(builds, b, " ")
		for (k = 1; k <= 3; k++) {
			c = 2 ^ (k - 1)
			line = "| " c " | " med("docker" SUBSEP c) "/s | "
			for (i = 1; i <= n; i++) line = line med(b[i] SUBSEP "py" SUBSEP c) "/s | "
			for (i = 1; i <= n; i++) line = line med(b[i] SUBSEP "c" SUBSEP c) "/s | "
			sub(/ $/, "", line)
			print line
		}
	}' "$tmp/fresh"
[ "$fresh_only" = 1 ] && exit 0

for lang in python3 c; do
	for c in 1 2 4; do
		"$tmp/bench" -agent "$tmp/judged" -mode reuse -lang "$lang" -c "$c" -d "${D}s"
	done
done
"$tmp/bench" -agent "$tmp/judged" -overhead 500
"$tmp/bench" -agent "$tmp/judged" -mode fresh -agent-rss
