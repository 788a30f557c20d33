#!/usr/bin/env bash
# judge0-client.sh: a virtualenv with the official Judge0 Python client (judge0 0.0.8 and its
# dependencies, pinned in scripts/judge0-client.txt), for the Judge0 compatibility test
# (e2e/judge0_test.go runs e2e/testdata/judge0_client.py with it). Prints the path of the
# virtualenv's python on stdout; everything else goes to stderr.
#
# The virtualenv lives in $JUDGE_STACK_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/judge) and is
# reused while its pins match the file (pinned_venv in stack-lib.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=stack-lib.sh
source "$here/stack-lib.sh"
pinned_venv judge0-client "$here/judge0-client.txt"
