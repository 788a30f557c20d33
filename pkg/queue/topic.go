package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/IBM/sarama"
)

// EnsureTopic creates topic with the given partitions unless it exists. Two processes racing
// to create it both succeed.
func EnsureTopic(ctx context.Context, brokers []string, topic string, partitions int) error {
	if partitions < 1 {
		return fmt.Errorf("create topic %s: %d partitions, want at least 1", topic, partitions)
	}
	admin, err := newAdmin(ctx, brokers)
	if err != nil {
		return err
	}
	defer admin.Close()
	topics, err := admin.ListTopics()
	if err != nil {
		return fmt.Errorf("list kafka topics: %w", err)
	}
	if _, ok := topics[topic]; ok {
		return nil
	}
	err = admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: int32(partitions), ReplicationFactor: 1}, false)
	if err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	return nil
}

// DeleteTopic deletes topic and every record in it; a topic that does not exist is not an
// error. For tools that create throw-away topics (benchmarks).
func DeleteTopic(ctx context.Context, brokers []string, topic string) error {
	admin, err := newAdmin(ctx, brokers)
	if err != nil {
		return err
	}
	defer admin.Close()
	if err := admin.DeleteTopic(topic); err != nil && !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		return fmt.Errorf("delete topic %s: %w", topic, err)
	}
	return nil
}

// newAdmin connects a cluster admin to brokers, unless ctx is already done.
func newAdmin(ctx context.Context, brokers []string) (sarama.ClusterAdmin, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := sarama.NewConfig()
	cfg.Version = kafkaVersion
	cfg.ClientID = "judge-admin"
	admin, err := sarama.NewClusterAdmin(brokers, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to kafka %v: %w", brokers, err)
	}
	return admin, nil
}
