#!/usr/bin/env bash
# Fuzz a running judged API against api/openapi.yaml with schemathesis, checking that no
# generated request (valid or not) gets a 5xx and that valid ones are accepted as the spec says.
#
#   scripts/schemathesis.sh install          create ~/.cache/judge/schemathesis (pinned schemathesis)
#   scripts/schemathesis.sh run URL TOKEN [MAX_EXAMPLES] [extra st run args...]
#
# The virtualenv (schemathesis pinned in scripts/schemathesis.txt) is made on first use by
# pinned_venv (stack-lib.sh), which installs python3-venv when missing. Bounded: at most
# MAX_EXAMPLES (default 25) generated requests per operation, each with a 20 s timeout.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=stack-lib.sh
source "$here/stack-lib.sh"
venv=$STACK_CACHE/schemathesis

install() {
	pinned_venv schemathesis "$here/schemathesis.txt" >/dev/null
}

run() {
	local url="$1" token="$2" max="${3:-25}"
	shift 3 || shift $#
	install
	# Loopback only: this script drives a local judged, never a remote one.
	case "$url" in
	http://127.0.0.1:* | http://localhost:* | http://\[::1\]:*) ;;
	*) echo "schemathesis.sh: refusing to fuzz $url; only a loopback judged" >&2; exit 2 ;;
	esac
	exec "$venv/bin/st" run "$ROOT/api/openapi.yaml" \
		--url "$url" \
		--header "Authorization: Bearer $token" \
		--max-examples "$max" \
		--request-timeout 20 \
		--no-color \
		"$@"
}

case "${1:-}" in
install) install ;;
run) shift; run "$@" ;;
*) echo "usage: $0 install | run URL TOKEN [MAX_EXAMPLES] [st run args...]" >&2; exit 2 ;;
esac
