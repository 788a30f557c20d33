#!/usr/bin/env bash
# `make problemtools`: installs Kattis problemtools (the reference checker of the problem package
# format, pinned below) into a virtualenv, for the differential test of pkg/judge/verify
# (TestProblemtoolsAgrees), and prints the verifyproblem it installed.
#
# The virtualenv is $JUDGE_PROBLEMTOOLS_DIR (default $STACK_CACHE/problemtools-<version>). It
# also holds config/problemtools/languages.yaml, which the test passes as XDG_CONFIG_HOME: it
# runs Python 3 submissions with CPython, as this judge does (problemtools' default is PyPy), and
# Java at the host JDK's source level.
# problemtools compiles and runs submissions with the host's compilers: gcc, g++, python3.
set -euo pipefail
# shellcheck source=stack-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"

PROBLEMTOOLS_VERSION=1.20260907
DIR=${JUDGE_PROBLEMTOOLS_DIR:-$STACK_CACHE/problemtools-$PROBLEMTOOLS_VERSION}

need_packages python3:python3 gcc:gcc g++:g++
# python3 -m venv needs ensurepip, which Debian ships apart from python3.
python3 -c 'import ensurepip' 2>/dev/null || install_packages python3-venv

installed=$("$DIR/bin/pip" show problemtools 2>/dev/null || true)
if [[ ! -x $DIR/bin/verifyproblem || $installed != *"Version: $PROBLEMTOOLS_VERSION"* ]]; then
	say "installing problemtools $PROBLEMTOOLS_VERSION into $DIR"
	rm -rf "$DIR"
	python3 -m venv "$DIR"
	"$DIR/bin/pip" install --quiet --disable-pip-version-check "problemtools==$PROBLEMTOOLS_VERSION"
fi
mkdir -p "$DIR/config/problemtools"
cat >"$DIR/config/problemtools/languages.yaml" <<'YAML'
# Python 3 with CPython, as judge runs it (problemtools' default is PyPy).
python3:
    name: 'Python 3'
    compile: 'python3 -m py_compile {files}'
    run: 'python3 "{mainfile}"'
# Java at the host JDK's own source level (problemtools asks for 21; judge's image has 17).
java:
    compile: 'javac -encoding UTF-8 -sourcepath {path} -d {path} {files}'
YAML
echo "$DIR/bin/verifyproblem"
