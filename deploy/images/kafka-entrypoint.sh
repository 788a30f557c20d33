#!/bin/bash
# Entry point of the judge-kafka image: one KRaft node (broker and controller in one JVM), as the
# local stack runs it (scripts/stack-kafka.sh). Storage is formatted on first start.
set -euo pipefail
data=${KAFKA_DATA:-/var/lib/kafka}
host=${KAFKA_ADVERTISED_HOST:-kafka}
port=${KAFKA_PORT:-9092}
mkdir -p "$data/log"
cat >"$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=PLAINTEXT://0.0.0.0:$port,CONTROLLER://127.0.0.1:9093
advertised.listeners=PLAINTEXT://$host:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data/log
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=${KAFKA_RETENTION_HOURS:-24}
PROPS
java_opts=(-Xms256m "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true
	-Dlog4j2.configurationFile=/opt/kafka/log4j2.properties -cp '/opt/kafka/libs/*')
if [[ ! -f $data/log/meta.properties ]]; then
	[[ -s $data/cluster-id ]] || java "${java_opts[@]}" kafka.tools.StorageTool random-uuid | tail -n1 >"$data/cluster-id"
	java "${java_opts[@]}" kafka.tools.StorageTool format -t "$(<"$data/cluster-id")" \
		-c "$data/server.properties" --ignore-formatted
fi
exec java "${java_opts[@]}" kafka.Kafka "$data/server.properties"
