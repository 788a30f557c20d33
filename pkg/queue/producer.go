package queue

import (
	"errors"
	"fmt"

	"github.com/IBM/sarama"
)

// Producer sends submission pointers to one topic with ProducerConfig. Build it with
// NewProducer; it is safe for concurrent use.
type Producer struct {
	p     sarama.SyncProducer
	topic string
}

// NewProducer connects a producer of topic.
func NewProducer(brokers []string, clientID, topic string) (*Producer, error) {
	if topic == "" {
		return nil, errors.New("kafka producer: topic is empty")
	}
	p, err := NewSyncProducer(brokers, clientID)
	if err != nil {
		return nil, err
	}
	return &Producer{p: p, topic: topic}, nil
}

// Send produces msgs, each keyed by its submission id so a submission's attempts stay on one
// partition, and returns once every record is acknowledged by all in-sync replicas, or fails.
func (p *Producer) Send(msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	records := make([]*sarama.ProducerMessage, len(msgs))
	for i, m := range msgs {
		value, err := m.Marshal()
		if err != nil {
			return err
		}
		records[i] = &sarama.ProducerMessage{Topic: p.topic, Key: sarama.StringEncoder(m.ID), Value: sarama.ByteEncoder(value)}
	}
	if err := p.p.SendMessages(records); err != nil {
		return fmt.Errorf("produce %d records to %s: %w", len(records), p.topic, producerError(err))
	}
	return nil
}

// Close flushes and closes the producer.
func (p *Producer) Close() error { return p.p.Close() }

// producerError unwraps sarama's batch error to its first cause, which names the problem.
func producerError(err error) error {
	var pe sarama.ProducerErrors
	if errors.As(err, &pe) && len(pe) > 0 {
		return fmt.Errorf("%d failed, first: %w", len(pe), pe[0].Err)
	}
	return err
}
