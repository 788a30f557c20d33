#!/bin/bash
# kafka_server_properties prints the server.properties of the judge's one-node KRaft Kafka (broker
# and controller in one JVM). The local stack (scripts/stack-kafka.sh) and the judge-kafka image
# (kafka-entrypoint.sh) both source this file, so they run the same broker.
#
# Usage: kafka_server_properties DATA_DIR LISTEN_HOST PORT ADVERTISED_HOST CONTROLLER_PORT RETENTION_HOURS
kafka_server_properties() {
	local data=$1 listen=$2 port=$3 advertised=$4 controller=$5 retention=$6
	cat <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://$listen:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://$advertised:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
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
log.retention.hours=$retention
log.segment.bytes=67108864
PROPS
}
