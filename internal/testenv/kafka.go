package testenv

import (
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// saramaConfig is the client configuration of the helpers: a protocol version every broker the
// stack may run (3.9 or 4.x) accepts.
func saramaConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_9_0_0
	cfg.ClientID = "judge-testenv"
	return cfg
}

// NewTopic creates a topic with a unique name, partitions partitions and replication factor 1
// on the stack's broker, waits until every partition has a leader, and deletes it at cleanup.
func NewTopic(t testing.TB, partitions int) string {
	t.Helper()
	if partitions < 1 {
		t.Fatalf("kafka: NewTopic(%d): want at least 1 partition", partitions)
	}
	brokers := KafkaBrokers(t)
	cl, err := sarama.NewClient(brokers, saramaConfig())
	if err != nil {
		unavailable(t, "kafka: client for %v: %v; run `make stack`", brokers, err)
	}
	defer cl.Close()
	admin, err := sarama.NewClusterAdminFromClient(cl)
	if err != nil {
		t.Fatalf("kafka: cluster admin: %v", err)
	}

	name := uniqueName("judge-test-")
	detail := &sarama.TopicDetail{NumPartitions: int32(partitions), ReplicationFactor: 1}
	if err := admin.CreateTopic(name, detail, false); err != nil {
		t.Fatalf("kafka: create topic %s: %v", name, err)
	}
	t.Cleanup(func() { deleteTopic(t, brokers, name) })

	if err := waitForLeaders(cl, name, partitions, 30*time.Second); err != nil {
		t.Fatalf("kafka: %v", err)
	}
	return name
}

// waitForLeaders polls metadata until the topic shows want partitions, each with a leader.
func waitForLeaders(cl sarama.Client, topic string, want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		last = leadersReady(cl, topic, want)
		if last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("topic %s not ready after %s: %w", topic, timeout, last)
}

func leadersReady(cl sarama.Client, topic string, want int) error {
	if err := cl.RefreshMetadata(topic); err != nil {
		return err
	}
	parts, err := cl.Partitions(topic)
	if err != nil {
		return err
	}
	if len(parts) != want {
		return fmt.Errorf("%d of %d partitions visible", len(parts), want)
	}
	for _, p := range parts {
		if _, err := cl.Leader(topic, p); err != nil {
			return fmt.Errorf("partition %d: %w", p, err)
		}
	}
	return nil
}

func deleteTopic(t testing.TB, brokers []string, name string) {
	admin, err := sarama.NewClusterAdmin(brokers, saramaConfig())
	if err != nil {
		t.Errorf("kafka: cleanup: admin to delete topic %s: %v", name, err)
		return
	}
	defer admin.Close()
	if err := admin.DeleteTopic(name); err != nil {
		t.Errorf("kafka: cleanup: delete topic %s: %v", name, err)
	}
}

// RecreateTopic deletes topic, with every record in it, and creates it again with partitions
// partitions: Kafka losing records (retention, a recreated topic, a lost broker disk) as the
// judge sees it.
func RecreateTopic(t testing.TB, topic string, partitions int) {
	t.Helper()
	brokers := KafkaBrokers(t)
	cl, err := sarama.NewClient(brokers, saramaConfig())
	if err != nil {
		t.Fatalf("kafka: client for %v: %v", brokers, err)
	}
	defer cl.Close()
	admin, err := sarama.NewClusterAdminFromClient(cl)
	if err != nil {
		t.Fatalf("kafka: cluster admin: %v", err)
	}
	if err := admin.DeleteTopic(topic); err != nil {
		t.Fatalf("kafka: delete topic %s: %v", topic, err)
	}
	detail := &sarama.TopicDetail{NumPartitions: int32(partitions), ReplicationFactor: 1}
	deadline := time.Now().Add(60 * time.Second)
	for {
		// Deletion is asynchronous: creating fails with "already exists" until it is done.
		err := admin.CreateTopic(topic, detail, false)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kafka: recreate topic %s: %v", topic, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := waitForLeaders(cl, topic, partitions, 30*time.Second); err != nil {
		t.Fatalf("kafka: %v", err)
	}
}

// DockerHost is the stack's Docker endpoint (unix:///var/run/docker.sock by default).
func DockerHost(t testing.TB) string {
	t.Helper()
	if h := settingsOrSkip(t).DockerHost; h != "" {
		return h
	}
	return "unix:///var/run/docker.sock"
}
