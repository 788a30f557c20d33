// Package queue owns the Kafka side of the pipeline: the message a relay produces and a worker
// consumes, the sarama configuration of producers and of the `judge-workers` consumer group, and
// creating the topic when it is absent.
//
// A message is a pointer to a submission attempt, never its source: the worker reads the rest
// from PostgreSQL and decides there, with a conditional update, whether the message is stale.
package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/judge-dev/judge/pkg/config"
)

// DefaultTopic is the topic that carries submission pointers.
const DefaultTopic = config.DefaultKafkaTopic

// ConsumerGroup is the group every worker joins.
const ConsumerGroup = config.DefaultConsumerGroup

// Message is the value of one Kafka record; its key is the submission id.
type Message struct {
	ID         string    `json:"id"`
	Language   string    `json:"language"`
	Problem    string    `json:"problem"`
	Attempt    int       `json:"attempt"`
	EnqueuedAt time.Time `json:"enqueued_at"`
}

// Marshal encodes m as the record value.
func (m Message) Marshal() ([]byte, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// Unmarshal decodes a record value and checks that it can be acted on.
func Unmarshal(b []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return Message{}, fmt.Errorf("decode queue message: %w", err)
	}
	if err := m.validate(); err != nil {
		return Message{}, err
	}
	return m, nil
}

func (m Message) validate() error {
	var errs []error
	if m.ID == "" {
		errs = append(errs, errors.New("id is empty"))
	}
	if m.Language == "" {
		errs = append(errs, errors.New("language is empty"))
	}
	if m.Attempt < 1 {
		errs = append(errs, fmt.Errorf("attempt %d, want at least 1", m.Attempt))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("queue message %q: %w", m.ID, err)
	}
	return nil
}
