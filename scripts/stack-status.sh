#!/usr/bin/env bash
# `make stack-status`: one line per service; exits 0 only when all of them answer.
set -uo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=stack-lib.sh
source "$here/stack-lib.sh"

status=0
for svc in postgres kafka docker; do
	if "$here/stack-$svc.sh" status >/dev/null 2>&1; then
		printf '%-9s up\n' "$svc"
	else
		printf '%-9s down\n' "$svc"
		status=1
	fi
done
exit "$status"
