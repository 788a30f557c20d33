#!/bin/bash
# Entry point of the judge-kafka image: one KRaft node (broker and controller in one JVM), as the
# local stack runs it (scripts/stack-kafka.sh). Storage is formatted on first start.
set -euo pipefail
# shellcheck source=kafka-server-properties.sh
source "$(dirname "${BASH_SOURCE[0]}")/kafka-server-properties.sh"
data=${KAFKA_DATA:-/var/lib/kafka}
host=${KAFKA_ADVERTISED_HOST:-kafka}
port=${KAFKA_PORT:-9092}
mkdir -p "$data/log"
kafka_server_properties "$data/log" 0.0.0.0 "$port" "$host" 9093 "${KAFKA_RETENTION_HOURS:-24}" >"$data/server.properties"
java_opts=(-Xms256m "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true
	-Dlog4j2.configurationFile=/opt/kafka/log4j2.properties -cp '/opt/kafka/libs/*')
if [[ ! -f $data/log/meta.properties ]]; then
	[[ -s $data/cluster-id ]] || java "${java_opts[@]}" kafka.tools.StorageTool random-uuid | tail -n1 >"$data/cluster-id"
	java "${java_opts[@]}" kafka.tools.StorageTool format -t "$(<"$data/cluster-id")" \
		-c "$data/server.properties" --ignore-formatted
fi
exec java "${java_opts[@]}" kafka.Kafka "$data/server.properties"
