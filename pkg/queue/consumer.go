package queue

import (
	"context"
	"fmt"
	"sync"

	"github.com/IBM/sarama"
)

// Record is one consumed Kafka record of the submissions topic.
type Record struct {
	Partition int32
	Offset    int64
	Value     []byte
}

// Session is one generation of the consumer group, as a claim handler sees it.
type Session interface {
	// Context ends when the session does (a rebalance, or the group stopping).
	Context() context.Context
	// MarkOffset records next as the partition's next offset to read; Commit sends the marks.
	MarkOffset(partition int32, next int64)
	Commit()
}

// ClaimHandler consumes one partition claimed in sess until records closes or the session
// ends; it must return promptly when sess.Context() is done.
type ClaimHandler func(sess Session, partition int32, records <-chan Record) error

// Group is a member of a consumer group reading one topic with ConsumerConfig (sticky
// balance, oldest offset first, manual commits). Build it with NewGroup.
type Group struct {
	g     sarama.ConsumerGroup
	topic string

	mu     sync.Mutex
	paused bool
}

// NewGroup joins group on brokers to read topic; clientID names the member.
func NewGroup(brokers []string, group, clientID, topic string) (*Group, error) {
	g, err := sarama.NewConsumerGroup(brokers, group, ConsumerConfig(clientID))
	if err != nil {
		return nil, fmt.Errorf("join consumer group %s on %v: %w", group, brokers, err)
	}
	return &Group{g: g, topic: topic}, nil
}

// Consume runs one session of the group, calling h for each claimed partition, until the
// session ends (a rebalance: call it again) or ctx does.
func (g *Group) Consume(ctx context.Context, h ClaimHandler) error {
	return g.g.Consume(ctx, []string{g.topic}, &groupHandler{g: g, h: h})
}

// Errors delivers the group's background errors until Close.
func (g *Group) Errors() <-chan error { return g.g.Errors() }

// Pause stops fetching from every partition this member holds, now and after rebalances,
// until Resume; membership and heartbeats go on, so no rebalance follows.
func (g *Group) Pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.paused = true
	g.g.PauseAll()
}

// Resume undoes Pause.
func (g *Group) Resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.paused = false
	g.g.ResumeAll()
}

// Close leaves the group.
func (g *Group) Close() error { return g.g.Close() }

type groupHandler struct {
	g *Group
	h ClaimHandler
}

func (*groupHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (*groupHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (gh *groupHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	// A partition newly assigned while paused would fetch: pause it too.
	gh.g.mu.Lock()
	if gh.g.paused {
		gh.g.g.PauseAll()
	}
	gh.g.mu.Unlock()
	records := make(chan Record)
	go func() {
		defer close(records)
		for m := range claim.Messages() {
			select {
			case records <- Record{Partition: m.Partition, Offset: m.Offset, Value: m.Value}:
			case <-sess.Context().Done():
				return
			}
		}
	}()
	return gh.h(session{sess: sess, topic: claim.Topic()}, claim.Partition(), records)
}

type session struct {
	sess  sarama.ConsumerGroupSession
	topic string
}

func (s session) Context() context.Context { return s.sess.Context() }
func (s session) MarkOffset(partition int32, next int64) {
	s.sess.MarkOffset(s.topic, partition, next, "")
}
func (s session) Commit() { s.sess.Commit() }
