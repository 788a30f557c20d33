#!/usr/bin/env bash
# judge0-client.sh: a virtualenv with the official Judge0 Python client (judge0 0.0.8 and its
# dependencies, pinned in scripts/judge0-client.txt), for the Judge0 compatibility test
# (e2e/judge0_test.go runs e2e/testdata/judge0_client.py with it). Prints the path of the
# virtualenv's python on stdout; everything else goes to stderr.
#
# The virtualenv lives in $JUDGE_STACK_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/judge) and is
# reused while its pins match the file; python3's venv module needs the Debian package
# python3-venv, installed here when missing (as root) like the stack's other packages.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=stack-lib.sh
source "$here/stack-lib.sh"

req=$here/judge0-client.txt
venv=$STACK_CACHE/judge0-client
if [[ -x $venv/bin/python && -f $venv/.pins ]] && cmp -s "$req" "$venv/.pins"; then
	printf '%s\n' "$venv/bin/python"
	exit 0
fi
mkdir -p "$STACK_DIR" "$STACK_CACHE"
need_commands python3 >&2
# Debian splits ensurepip (which `python3 -m venv` needs) into python3-venv.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
	install_packages python3-venv >&2
fi
say "creating the Judge0 client virtualenv in $venv (log: $STACK_DIR/judge0-client.log)" >&2
rm -rf "$venv"
if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --disable-pip-version-check --no-input -r "$req"; } \
	>"$STACK_DIR/judge0-client.log" 2>&1; then
	tail -n 20 "$STACK_DIR/judge0-client.log" | sed 's/^/  | /' >&2
	rm -rf "$venv"
	die "installing the Judge0 client failed; see $STACK_DIR/judge0-client.log"
fi
cp "$req" "$venv/.pins"
printf '%s\n' "$venv/bin/python"
