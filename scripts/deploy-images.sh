#!/usr/bin/env bash
# `make deploy-images`: the images the judge itself runs in (deploy/compose, deploy/helm), built
# on this machine without pulling anything:
#
#   judge-judged:latest (and :<version>)  judged and judgectl from `make build` (static) on an empty
#                                         base with one unprivileged user (uid 10001)
#   judge-postgres:15                     PostgreSQL 15 from Debian bookworm, wal_level=logical
#   judge-kafka:<JUDGE_STACK_KAFKA_VERSION> Kafka (KRaft) from the Maven Central jars that
#                                         scripts/stack-kafka.sh fetches, on Debian's JRE 17
#   judge-nginx:1.22                      nginx-light from Debian bookworm
#
# Usage: deploy-images.sh [judged|postgres|kafka|nginx]...   (default: all, one at a time)
# The Debian images are bootstrapped with mmdebstrap and `docker import`ed, as pkg/image builds
# the runtime images. An image whose judge.deploy.hash label matches its inputs (its recipe here and
# deploy/images/<name>-*) is kept; JUDGE_DEPLOY_IMAGES_FORCE=1 rebuilds it. judged is always rebuilt.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=stack-lib.sh
source "$here/stack-lib.sh"
cd "$ROOT"

IMAGES_DIR=$ROOT/deploy/images
PG_MAJOR=15
NGINX_TAG=1.22
SOURCES=(
	"deb http://deb.debian.org/debian bookworm main"
	"deb http://deb.debian.org/debian bookworm-updates main"
	"deb http://deb.debian.org/debian-security bookworm-security main"
)

log() { printf 'deploy-images: %s\n' "$*"; }

# inputs_hash NAME ARGS...: 12 hex digits over the image's recipe (ARGS: packages, hooks and
# import changes) and its files in deploy/images, so a change to one image rebuilds only that one.
inputs_hash() {
	local name=$1 f
	shift
	{
		printf '%s\n' "$@"
		for f in "$IMAGES_DIR/$name"-*; do
			if [[ -f $f ]]; then cat "$f"; fi
		done
	} | sha256sum | cut -c1-12
}

# current REF HASH: REF exists and was built from inputs with HASH.
current() {
	[[ ${JUDGE_DEPLOY_IMAGES_FORCE:-} == 1 ]] && return 1
	[[ $(docker image inspect --format '{{index .Config.Labels "judge.deploy.hash"}}' "$1" 2>/dev/null) == "$2" ]]
}

# debian_image NAME REF PACKAGES MMDEBSTRAP-ARGS... -- DOCKER-IMPORT-CHANGES...
debian_image() {
	local hash
	hash=$(inputs_hash "$@")
	local ref=$2 pkgs=$3
	shift 3
	local mm=() changes=()
	while (($#)) && [[ $1 != -- ]]; do
		mm+=("$1")
		shift
	done
	shift
	changes=("$@")
	if current "$ref" "$hash"; then
		log "$ref up to date"
		return 0
	fi
	need_commands mmdebstrap
	local work start=$SECONDS
	work=$(mktemp -d)
	trap 'rm -rf "$work"; trap - RETURN' RETURN
	log "$ref: bootstrapping Debian bookworm with $pkgs (inputs $hash)"
	mmdebstrap --variant=apt --mode=auto --format=tar \
		--aptopt='APT::Install-Recommends "false"' --aptopt='APT::Install-Suggests "false"' \
		--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
		--include="$pkgs" "${mm[@]}" \
		--customize-hook='rm -rf "$1"/var/cache/apt/*.bin "$1"/var/lib/apt/lists/* "$1"/var/log/*.log "$1"/var/log/apt' \
		bookworm "$work/rootfs.tar" "${SOURCES[@]}"
	local args=()
	for c in "${changes[@]}" "LABEL judge.deploy.hash=$hash"; do args+=(--change "$c"); done
	docker import "${args[@]}" --message "judge deploy image $ref" "$work/rootfs.tar" "$ref" >/dev/null
	log "$ref built in $((SECONDS - start))s"
}

build_postgres() {
	local ref=judge-postgres:$PG_MAJOR
	debian_image postgres "$ref" "postgresql-$PG_MAJOR" \
		--customize-hook="copy-in $IMAGES_DIR/postgres-entrypoint.sh /usr/local/bin" \
		--customize-hook='chroot "$1" install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data' \
		-- \
		"ENV PATH=/usr/lib/postgresql/$PG_MAJOR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		"ENV LANG=C.UTF-8" "ENV PGDATA=/var/lib/postgresql/data" \
		"USER postgres" "VOLUME /var/lib/postgresql/data" "EXPOSE 5432" \
		'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]'
}

build_kafka() {
	"$here/stack-kafka.sh" fetch
	local libs=$STACK_CACHE/kafka-$KAFKA_VERSION/libs
	debian_image kafka "judge-kafka:$KAFKA_VERSION" openjdk-17-jre-headless \
		--setup-hook='mkdir -p "$1/usr/share/man/man1"' \
		--customize-hook='mkdir -p "$1/opt/kafka"' \
		--customize-hook="copy-in $libs /opt/kafka" \
		--customize-hook="copy-in $IMAGES_DIR/kafka-entrypoint.sh $IMAGES_DIR/kafka-server-properties.sh /usr/local/bin" \
		--customize-hook="upload $IMAGES_DIR/kafka-log4j2.properties /opt/kafka/log4j2.properties" \
		--customize-hook='echo "kafka:x:10002:10002:kafka:/var/lib/kafka:/usr/sbin/nologin" >>"$1/etc/passwd"' \
		--customize-hook='echo "kafka:x:10002:" >>"$1/etc/group"' \
		--customize-hook='install -d -o 10002 -g 10002 -m 750 "$1/var/lib/kafka"' \
		-- \
		"ENV LANG=C.UTF-8" "USER kafka" "VOLUME /var/lib/kafka" "EXPOSE 9092" \
		'ENTRYPOINT ["/usr/local/bin/kafka-entrypoint.sh"]'
}

build_nginx() {
	debian_image nginx "judge-nginx:$NGINX_TAG" nginx-light \
		--customize-hook='rm -f "$1"/etc/nginx/sites-enabled/*' \
		--customize-hook='ln -sf /dev/stdout "$1/var/log/nginx/access.log"' \
		--customize-hook='ln -sf /dev/stderr "$1/var/log/nginx/error.log"' \
		-- \
		"EXPOSE 8080" \
		'ENTRYPOINT ["/usr/sbin/nginx", "-g", "daemon off;"]'
}

# build_judged: `make build` (or the binaries JUDGE_DEPLOY_JUDGED and JUDGE_DEPLOY_JUDGECTL name,
# as a release does), then the two binaries, a passwd with the unprivileged user judge (10001) and
# an empty /tmp as the whole root file system.
build_judged() {
	local judged=${JUDGE_DEPLOY_JUDGED:-} judgectl=${JUDGE_DEPLOY_JUDGECTL:-}
	if [[ -z $judged || -z $judgectl ]]; then
		make -s build
		judged=bin/judged judgectl=bin/judgectl
	fi
	local version work
	version=$("$judged" version 2>/dev/null | awk 'NR == 1 {print $2}')
	[[ -n $version ]] || version=dev
	work=$(mktemp -d)
	trap 'rm -rf "$work"; trap - RETURN' RETURN
	mkdir -p "$work/root/usr/local/bin" "$work/root/etc" "$work/root/tmp"
	chmod 1777 "$work/root/tmp"
	cp "$judged" "$work/root/usr/local/bin/judged"
	cp "$judgectl" "$work/root/usr/local/bin/judgectl"
	printf 'root:x:0:0:root:/root:/sbin/nologin\njudge:x:10001:10001:judge:/nonexistent:/sbin/nologin\n' >"$work/root/etc/passwd"
	printf 'root:x:0:\njudge:x:10001:\n' >"$work/root/etc/group"
	tar -C "$work/root" --owner=0 --group=0 --numeric-owner -cf "$work/rootfs.tar" .
	docker import \
		--change 'USER 10001:10001' \
		--change 'ENV JUDGE_LISTEN=0.0.0.0:8080' \
		--change 'ENV JUDGE_LOG_FORMAT=json' \
		--change 'EXPOSE 8080' \
		--change 'ENTRYPOINT ["/usr/local/bin/judged"]' \
		--change "LABEL org.opencontainers.image.version=$version" \
		--message "judge judged $version" "$work/rootfs.tar" judge-judged:latest >/dev/null
	# A version like v1.2.3-4-gabc-dirty is a valid tag; anything else (0.1.1-snapshot+abc) stays
	# :latest only.
	if [[ $version =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
		docker tag judge-judged:latest "judge-judged:$version"
	fi
	log "judge-judged:latest ($version) built"
}

check_settings
need_commands docker tar
targets=("$@")
((${#targets[@]})) || targets=(judged postgres kafka nginx)
for t in "${targets[@]}"; do
	case $t in
	judged | postgres | kafka | nginx) "build_$t" ;;
	*) die "unknown image $t (want judged, postgres, kafka or nginx)" ;;
	esac
done
