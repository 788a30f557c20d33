#!/usr/bin/env bash
# The stack's Apache Kafka broker: `stack-kafka.sh up|down|status|fetch`.
#
# One KRaft node (broker and controller in one JVM) run from the org.apache.kafka Maven artifacts
# on the machine's JDK. The jars are resolved once with a generated pom and
# `mvn dependency:copy-dependencies` into $JUDGE_STACK_CACHE/kafka-<version>/libs and reused.
set -euo pipefail
# shellcheck source=stack-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"
# The broker's settings and logging are the judge-kafka image's (deploy/images).
IMAGES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../deploy/images" && pwd)
# shellcheck source=../deploy/images/kafka-server-properties.sh
source "$IMAGES_DIR/kafka-server-properties.sh"

KAFKA_DIR=$STACK_DIR/kafka
KAFKA_LOG=$STACK_DIR/kafka.log
KAFKA_PID=$STACK_DIR/kafka.pid
LIBS=$STACK_CACHE/kafka-$KAFKA_VERSION/libs

java_major() {
	# `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_x" for 8).
	java -version 2>&1 | sed -n 's/.* version "\([0-9]*\)\(\.\([0-9]*\)\)\{0,1\}.*/\1 \3/p' | head -n1 |
		awk '{ print ($1 == 1 ? $2 : $1) }'
}

need_java() {
	need_commands java mvn
	command -v java >/dev/null || die "java not found: apt-get install openjdk-17-jdk-headless"
	local major
	major=$(java_major)
	[[ -n $major ]] || die "java: cannot read the version from \`java -version\`"
	if ((major < 17)); then
		die "java $major at $(command -v java) is too old: Kafka $KAFKA_VERSION needs 17 or newer (apt-get install openjdk-17-jdk-headless)"
	fi
}

# fetch resolves kafka_2.13:$KAFKA_VERSION and its runtime dependencies into $LIBS, once.
fetch() {
	check_settings
	[[ -f $LIBS/.complete ]] && return 0
	need_java
	mkdir -p "$STACK_DIR" "$STACK_CACHE"
	local work binding=""
	work=$(mktemp -d "$STACK_CACHE/kafka-$KAFKA_VERSION.tmp.XXXXXX")
	# Kafka 4 logs through log4j 2 but ships only slf4j-api; 3.x brings its own reload4j binding.
	if [[ ${KAFKA_VERSION%%.*} -ge 4 ]]; then
		binding='<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.25.5</version></dependency>'
	fi
	cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.judge.stack</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    $binding
  </dependencies>
</project>
EOF
	say "kafka: fetching kafka_2.13:$KAFKA_VERSION from Maven Central into $LIBS (once; log: $STACK_DIR/kafka-fetch.log)"
	if ! (cd "$work" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime \
		-DoutputDirectory="$work/libs") >"$STACK_DIR/kafka-fetch.log" 2>&1; then
		rm -rf "$work"
		die "kafka: could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (JUDGE_STACK_KAFKA_VERSION) with mvn; see $STACK_DIR/kafka-fetch.log"
	fi
	ls "$work"/libs/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || {
		rm -rf "$work"
		die "kafka: mvn finished but kafka_2.13-$KAFKA_VERSION.jar is missing; see $STACK_DIR/kafka-fetch.log"
	}
	cp "$work/pom.xml" "$work/libs/"
	touch "$work/libs/.complete"
	rm -rf "$LIBS"
	mkdir -p "$(dirname "$LIBS")"
	mv "$work/libs" "$LIBS"
	rm -rf "$work"
}

write_config() {
	mkdir -p "$KAFKA_DIR/data"
	{
		echo "# Written by scripts/stack-kafka.sh on every \`make stack\`; edit deploy/images/kafka-server-properties.sh, not this file."
		kafka_server_properties "$KAFKA_DIR/data" 127.0.0.1 "$KAFKA_PORT" 127.0.0.1 "$KAFKA_CONTROLLER_PORT" 24
	} >"$KAFKA_DIR/server.properties"
	cp "$IMAGES_DIR/kafka-log4j2.properties" "$KAFKA_DIR/log4j2.properties"
	cat >"$KAFKA_DIR/log4j.properties" <<'EOF'
# Kafka 3.x (reload4j): everything to stdout, which the stack redirects to .stack/kafka.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
EOF
}

JAVA_OPTS=(-Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true
	"-Dlog4j2.configurationFile=$KAFKA_DIR/log4j2.properties"
	"-Dlog4j.configuration=file:$KAFKA_DIR/log4j.properties"
	"-Dkafka.logs.dir=$KAFKA_DIR/logs"
	-cp "$LIBS/*")

run_java() { # MAINCLASS ARGS...
	java "${JAVA_OPTS[@]}" "$@"
}

format_storage() {
	[[ -f $KAFKA_DIR/data/meta.properties ]] && return 0
	local id
	if [[ ! -s $KAFKA_DIR/cluster-id ]]; then
		run_java kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOG" | tail -n1 >"$KAFKA_DIR/cluster-id" ||
			die "kafka: StorageTool random-uuid failed; see $KAFKA_LOG"
	fi
	id=$(<"$KAFKA_DIR/cluster-id")
	say "kafka: formatting storage in $KAFKA_DIR/data (cluster $id)"
	run_java kafka.tools.StorageTool format -t "$id" -c "$KAFKA_DIR/server.properties" --ignore-formatted \
		>>"$KAFKA_LOG" 2>&1 || die "kafka: StorageTool format failed; see $KAFKA_LOG"
}

# kafka_ready: the port answers and this run's log says the server finished starting.
kafka_ready() {
	port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_LOG"
}

up() {
	check_settings
	need_commands ss
	if pid_alive "$KAFKA_PID" kafka.Kafka; then
		if kafka_ready; then
			say "kafka: already running on 127.0.0.1:$KAFKA_PORT (pid $(<"$KAFKA_PID"))"
			return 0
		fi
		say "kafka: running but not answering on port $KAFKA_PORT: restarting"
		stop_pid "$KAFKA_PID" kafka.Kafka kafka
	fi
	local p owner
	for p in "JUDGE_STACK_KAFKA_PORT=$KAFKA_PORT" "JUDGE_STACK_KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT"; do
		owner=$(port_owner "${p#*=}")
		[[ -z $owner ]] || die "$p: port taken by another process ($owner): stop it or choose another port"
	done
	need_java
	fetch
	write_config
	: >"$KAFKA_LOG"
	format_storage
	say "kafka: starting $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (log: $KAFKA_LOG)"
	# setsid: the broker must outlive the shell (and make) that started it.
	(
		cd "$KAFKA_DIR"
		exec setsid java "${JAVA_OPTS[@]}" kafka.Kafka "$KAFKA_DIR/server.properties" </dev/null >>"$KAFKA_LOG" 2>&1
	) &
	echo $! >"$KAFKA_PID"
	local deadline=$((SECONDS + STACK_TIMEOUT))
	until kafka_ready; do
		if ! child_alive "$KAFKA_PID"; then
			tail -n 20 "$KAFKA_LOG" | sed 's/^/  | /' >&2
			die "kafka exited while starting; see $KAFKA_LOG"
		fi
		if ((SECONDS >= deadline)); then
			tail -n 20 "$KAFKA_LOG" | sed 's/^/  | /' >&2
			die "kafka did not answer within ${STACK_TIMEOUT}s (JUDGE_STACK_TIMEOUT); see $KAFKA_LOG"
		fi
		sleep 0.5
	done
}

down() {
	stop_pid "$KAFKA_PID" kafka.Kafka kafka
}

status() {
	pid_alive "$KAFKA_PID" kafka.Kafka && port_open "$KAFKA_PORT"
}

case ${1:-} in
up | down | status | fetch) "$1" ;;
*) die "usage: $0 up|down|status|fetch" ;;
esac
