package queue

import (
	"fmt"
	"time"

	"github.com/IBM/sarama"
)

// kafkaVersion is the protocol level we speak; every broker the stack may run (3.9 or 4.x) accepts it.
var kafkaVersion = sarama.V3_9_0_0

// ProducerConfig is the configuration every producer of submission pointers uses: idempotent,
// acknowledged by every in-sync replica, one request in flight so retries cannot reorder.
func ProducerConfig(clientID string) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = clientID
	c.Version = kafkaVersion
	c.Producer.Idempotent = true
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Retry.Max = 10
	c.Producer.Retry.Backoff = 250 * time.Millisecond
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	c.Producer.Partitioner = sarama.NewHashPartitioner
	c.Net.MaxOpenRequests = 1
	c.Metadata.Retry.Max = 10
	c.Metadata.Retry.Backoff = 250 * time.Millisecond
	return c
}

// ConsumerConfig is the configuration of a worker in the `judge-workers` group. Offsets are
// committed by hand, only after the submission's result is durable.
func ConsumerConfig(clientID string) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = clientID
	c.Version = kafkaVersion
	c.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategySticky()}
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Offsets.AutoCommit.Enable = false
	c.Consumer.Return.Errors = true
	// A claim loop only waits for a free slot, so it leaves a session well within this.
	c.Consumer.Group.Rebalance.Timeout = 30 * time.Second
	c.Consumer.Group.Session.Timeout = 10 * time.Second
	c.Consumer.Group.Heartbeat.Interval = 3 * time.Second
	// The claim loop takes a message only into a free slot, but sarama's buffers must not
	// fill: the next fetch of every partition of a broker waits until each partition's fetched
	// messages are in its channel, so one partition waiting for a slot with a full buffer of 1
	// stalled all of them (measured: 2 s queueing at 10/s with idle slots). Buffered messages
	// are mere pointers; the claim in PostgreSQL still happens only when a slot is free.
	c.ChannelBufferSize = 256
	c.Consumer.MaxWaitTime = 100 * time.Millisecond
	c.Metadata.Retry.Max = 10
	c.Metadata.Retry.Backoff = 250 * time.Millisecond
	return c
}

// NewSyncProducer connects a producer with ProducerConfig; SendMessages returns once every
// record is acknowledged by all in-sync replicas.
func NewSyncProducer(brokers []string, clientID string) (sarama.SyncProducer, error) {
	p, err := sarama.NewSyncProducer(brokers, ProducerConfig(clientID))
	if err != nil {
		return nil, fmt.Errorf("kafka producer for %v: %w", brokers, err)
	}
	return p, nil
}
