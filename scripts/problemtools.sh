#!/usr/bin/env bash
# `make problemtools`: installs Kattis problemtools (the reference checker of the problem package
# format, pinned below) into a virtualenv, for the differential test of pkg/judge/verify
# (TestProblemtoolsAgrees), and prints the verifyproblem it installed.
#
# The virtualenv is $STACK_CACHE/problemtools (scripts/problemtools.txt pins the version). It
# also holds config/problemtools/languages.yaml, which the test passes as XDG_CONFIG_HOME: it
# runs Python 3 submissions with CPython, as this judge does (problemtools' default is PyPy), and
# Java at the host JDK's source level.
# problemtools compiles and runs submissions with the host's compilers: gcc, g++, python3.
set -euo pipefail
# shellcheck source=stack-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"

dir=$(reference_tool problemtools <<'YAML'
# Python 3 with CPython, as judge runs it (problemtools' default is PyPy).
python3:
    name: 'Python 3'
    compile: 'python3 -m py_compile {files}'
    run: 'python3 "{mainfile}"'
# Java at the host JDK's own source level (problemtools asks for 21; judge's image has 17).
java:
    compile: 'javac -encoding UTF-8 -sourcepath {path} -d {path} {files}'
YAML
)
echo "$dir/bin/verifyproblem"
