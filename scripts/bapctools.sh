#!/usr/bin/env bash
# `make bapctools`: installs BAPCtools (a reference tool of the 2023-07 problem package format,
# every package pinned in scripts/bapctools.txt) into a virtualenv, for the differential test of
# pkg/judge/verify (bapctools_test.go), and prints the bt it installed.
#
# The virtualenv is $STACK_CACHE/bapctools. It also holds config/bapctools/languages.yaml, which
# the test passes as XDG_CONFIG_HOME: it runs Python 3 submissions with CPython, as this judge
# does (BAPCtools' default is PyPy, which it otherwise falls back from with a warning).
# BAPCtools compiles and runs submissions with the host's compilers: gcc, g++, python3.
set -euo pipefail
# shellcheck source=stack-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"

dir=$(reference_tool bapctools <<'YAML'
# Python 3 with CPython, as judge runs it (BAPCtools' default is PyPy).
python3:
    name: 'Python 3'
    compile: 'python3 -m py_compile {files}'
    run: 'python3 "{mainfile}"'
YAML
)
echo "$dir/bin/bt"
