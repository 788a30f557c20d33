#!/usr/bin/env bash
# Fuzz a running judged API against api/openapi.yaml with schemathesis, checking that no
# generated request (valid or not) gets a 5xx and that valid ones are accepted as the spec says.
#
#   scripts/schemathesis.sh install          create .stack/venv-schemathesis (pinned schemathesis)
#   scripts/schemathesis.sh run URL TOKEN [MAX_EXAMPLES] [extra st run args...]
#
# Needs python3 with venv (Debian: python3-venv) and access to PyPI for the install. Bounded: at
# most MAX_EXAMPLES (default 25) generated requests per operation, each with a 20 s timeout.
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${JUDGE_SCHEMATHESIS_VENV:-$root/.stack/venv-schemathesis}"

install() {
	if [[ -x "$venv/bin/st" ]] && "$venv/bin/python" -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$SCHEMATHESIS_VERSION')" 2>/dev/null; then
		return 0
	fi
	if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
		echo "schemathesis.sh: python3 cannot create virtualenvs; install python3-venv (apt-get install python3-venv)" >&2
		exit 2
	fi
	mkdir -p "$(dirname "$venv")"
	python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
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
	exec "$venv/bin/st" run "$root/api/openapi.yaml" \
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
