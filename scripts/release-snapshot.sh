#!/usr/bin/env bash
# `make release-snapshot`: a local release in dist/ without publishing anything:
#
#   goreleaser release --snapshot --clean   (goreleaser pinned, run with `go run`; .goreleaser.yaml)
#     -> archives, Debian and RPM packages with the systemd units, checksums.txt
#   the judge-judged image built from the release's linux/amd64 binaries and saved with
#   `docker save` as dist/judge-judged_<version>_image.tar.gz (added to checksums.txt)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=stack-lib.sh
source "$here/stack-lib.sh"
cd "$ROOT"

GORELEASER=github.com/goreleaser/goreleaser/v2@v2.15.1

need_commands docker gzip
say "goreleaser release --snapshot --clean ($GORELEASER)"
go run "$GORELEASER" release --snapshot --clean

version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' dist/metadata.json | head -n1)
[[ -n $version ]] || die "dist/metadata.json names no version"
bin=$(ls -d dist/judged_linux_amd64*/ | head -n1)
ctl=$(ls -d dist/judgectl_linux_amd64*/ | head -n1)
[[ -x $bin/judged && -x $ctl/judgectl ]] || die "goreleaser built no linux/amd64 judged and judgectl in dist/"
JUDGE_DEPLOY_JUDGED=$bin/judged JUDGE_DEPLOY_JUDGECTL=$ctl/judgectl "$here/deploy-images.sh" judged
image=judge-judged_${version//+/_}_image.tar.gz
docker save judge-judged:latest | gzip >"dist/$image"
(cd dist && sha256sum "$image" >>checksums.txt)
say "dist/$image"
