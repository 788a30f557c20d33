package queue

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/judge-dev/judge/internal/testenv"
)

// kfake in go.sum does not build against the franz-go version the module pins, so this runs
// against the stack's real broker.
func TestEnsureTopicCreatesOnceWithPartitions(t *testing.T) {
	brokers := testenv.KafkaBrokers(t)
	topic := fmt.Sprintf("judge-test-ensure-%d", time.Now().UnixNano())
	cfg := ConsumerConfig("t")
	t.Cleanup(func() {
		admin, err := sarama.NewClusterAdmin(brokers, cfg)
		if err == nil {
			_ = admin.DeleteTopic(topic)
			admin.Close()
		}
	})
	ctx := context.Background()
	for range 2 { // the second call finds it and must not fail
		if err := EnsureTopic(ctx, brokers, topic, 5); err != nil {
			t.Fatalf("EnsureTopic: %v", err)
		}
	}
	cl, err := sarama.NewClient(brokers, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	parts, err := cl.Partitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 5 {
		t.Errorf("%d partitions, want 5", len(parts))
	}
}

func TestEnsureTopicRejectsZeroPartitions(t *testing.T) {
	if err := EnsureTopic(context.Background(), []string{"127.0.0.1:1"}, "x", 0); err == nil {
		t.Fatal("want an error for 0 partitions")
	}
}

func TestDeleteTopicRemovesItAndToleratesAbsence(t *testing.T) {
	brokers := testenv.KafkaBrokers(t)
	topic := fmt.Sprintf("judge-test-delete-%d", time.Now().UnixNano())
	ctx := context.Background()
	if err := EnsureTopic(ctx, brokers, topic, 1); err != nil {
		t.Fatal(err)
	}
	if err := DeleteTopic(ctx, brokers, topic); err != nil {
		t.Fatalf("DeleteTopic: %v", err)
	}
	cl, err := sarama.NewClusterAdmin(brokers, ConsumerConfig("t"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		topics, err := cl.ListTopics()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := topics[topic]; !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic %s still listed 30s after DeleteTopic", topic)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := DeleteTopic(ctx, brokers, topic); err != nil {
		t.Errorf("DeleteTopic of a missing topic: %v, want nil", err)
	}
}
