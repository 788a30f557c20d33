#!/usr/bin/env bash
# docker-compose for deploy/compose, with what it needs first:
#
#   scripts/compose.sh [docker-compose arguments...]     e.g. scripts/compose.sh -p judge up -d
#
# Installs Debian's docker-compose when it is missing, builds the judge's images
# (scripts/deploy-images.sh: judged every time, the others when their inputs changed), copies the
# judged binary out of the judge-judged image into JUDGE_AGENT_DIR (default /var/lib/judge/agent;
# workers run it from there, see deploy/compose/docker-compose.yml) and sets DOCKER_GID, the group
# of the Docker socket that only the workers join. JUDGE_COMPOSE_NO_BUILD=1 skips the image build.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=stack-lib.sh
source "$here/stack-lib.sh"

need_commands docker docker-compose
if [[ ${JUDGE_COMPOSE_NO_BUILD:-} != 1 ]]; then
	"$here/deploy-images.sh" >&2
fi

export JUDGE_AGENT_DIR=${JUDGE_AGENT_DIR:-/var/lib/judge/agent}
[[ $JUDGE_AGENT_DIR == /* ]] || die "JUDGE_AGENT_DIR=$JUDGE_AGENT_DIR: want an absolute path (it is mounted at the same path in the workers)"
mkdir -p "$JUDGE_AGENT_DIR"
ref=judge-judged:${JUDGE_IMAGE_TAG:-latest}
id=$(docker create "$ref") || die "no image $ref: run make deploy-images"
trap 'docker rm -f "$id" >/dev/null 2>&1 || true' EXIT
docker cp "$id:/usr/local/bin/judged" "$JUDGE_AGENT_DIR/judged.new"
chmod 755 "$JUDGE_AGENT_DIR/judged.new"
mv -f "$JUDGE_AGENT_DIR/judged.new" "$JUDGE_AGENT_DIR/judged"

sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
sock=${sock#unix://}
[[ -S $sock ]] || die "no Docker socket at $sock: the workers mount the engine's socket"
DOCKER_GID=$(stat -c %g "$sock")
export DOCKER_GID

docker-compose -f "$ROOT/deploy/compose/docker-compose.yml" "$@"
