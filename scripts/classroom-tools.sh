#!/usr/bin/env bash
# Installs the tools of the classroom suite (JUDGE_CLASSROOM_TESTS=1, set by `make test`; README) into
# .tools/ in the work tree, pinned: act runs GitHub workflows locally (from the Go module proxy)
# and gitlab-ci-local runs GitLab CI jobs locally (npm; needs node and npm). Idempotent: a tool
# already at its version is kept.
# Only the bin folder goes to stdout (the suite reads it); every tool's own output goes to stderr.
set -euo pipefail
# shellcheck source=stack-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"
root=$ROOT
ACT_VERSION=v0.2.89
# 4.74.0 and later need Node 22 (Set.prototype.union); Debian 13 ships Node 20.
GITLAB_CI_LOCAL_VERSION=4.73.0
bin="$root/.tools/bin"
mkdir -p "$bin"

if ! "$bin/act" --version 2>/dev/null | grep -q "${ACT_VERSION#v}"; then
	echo "classroom-tools: installing act $ACT_VERSION" >&2
	GOBIN="$bin" go install "github.com/nektos/act@$ACT_VERSION" >&2
fi

if ! "$bin/gitlab-ci-local" --version 2>/dev/null | grep -q "$GITLAB_CI_LOCAL_VERSION"; then
	command -v npm >/dev/null || { echo "classroom-tools: gitlab-ci-local needs node and npm (Debian: nodejs, npm)" >&2; exit 1; }
	echo "classroom-tools: installing gitlab-ci-local $GITLAB_CI_LOCAL_VERSION" >&2
	npm install --prefix "$root/.tools/npm" --no-audit --no-fund --loglevel=error "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION" >&2
	ln -sf ../npm/node_modules/.bin/gitlab-ci-local "$bin/gitlab-ci-local"
fi
# gitlab-ci-local copies the work tree into its build folder with rsync.
need_commands rsync >&2
echo "$bin"
