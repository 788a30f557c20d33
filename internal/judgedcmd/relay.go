package judgedcmd

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/cdc"
	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/queue"
	"github.com/judge-dev/judge/pkg/retry"
	"github.com/judge-dev/judge/pkg/store"
)

func newRelayCmd(a *app) *cobra.Command {
	var slot string
	cmd := &cobra.Command{
		Use:   "relay",
		Short: "Publish accepted submissions from PostgreSQL's replication stream to Kafka (one active, others stand by)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd, func(ctx context.Context, cfg config.Config, st *store.Store) error {
				if err := cfg.RequireKafka(); err != nil {
					return err
				}
				return runRelay(ctx, cfg, st, a.logger(cfg), slot, nil)
			})
		},
	}
	addSlotFlag(cmd, &slot)
	return cmd
}

// addSlotFlag adds --slot: replication slots are per cluster, so two judges sharing one
// PostgreSQL cluster (or test databases) need different names.
func addSlotFlag(cmd *cobra.Command, slot *string) {
	cmd.Flags().StringVar(slot, "slot", cdc.DefaultSlot, "logical replication slot of the relay (unique per PostgreSQL cluster)")
}

// runRelay creates the topic if absent and relays until ctx ends. With a registry (judged all,
// whose API serves /metrics) it records the relay lag there.
func runRelay(ctx context.Context, cfg config.Config, st *store.Store, log *slog.Logger, slot string, reg prometheus.Registerer) error {
	if err := ensureTopic(ctx, cfg, log); err != nil || ctx.Err() != nil {
		return err
	}
	r, err := cdc.New(cdc.Options{
		DSN:   cfg.DatabaseURL,
		Store: st,
		NewProducer: func() (cdc.Producer, error) {
			return queue.NewProducer(cfg.KafkaBrokers, "judge-relay", cfg.KafkaTopic)
		},
		Slot:            slot,
		CheckInterval:   cfg.RelayCheckInterval,
		RedispatchAfter: cfg.RedispatchAfter,
		OnAck:           relayMetrics(reg),
		Logger:          log,
	})
	if err != nil {
		return err
	}
	return r.Run(ctx)
}

func relayMetrics(reg prometheus.Registerer) func(cdc.Ack) {
	if reg == nil {
		return nil
	}
	lag := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "judge_relay_lag_seconds",
		Help:    "Time from a transaction's commit in PostgreSQL to Kafka's acknowledgement of its records.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	})
	rows := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "judge_relay_published_total",
		Help: "Outbox rows published to Kafka and acknowledged.",
	})
	reg.MustRegister(lag, rows)
	return func(a cdc.Ack) {
		lag.Observe(a.AckTime.Sub(a.CommitTime).Seconds())
		rows.Add(float64(a.Rows))
	}
}

// ensureTopic creates the topic if absent, waiting for Kafka while it does not answer (a broker
// that starts after the judge, or restarts). It returns nil when ctx ends first: stopping while
// waiting is a clean stop.
func ensureTopic(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	err := retry.Do(ctx, retry.Dependency, func() error {
		return queue.EnsureTopic(ctx, cfg.KafkaBrokers, cfg.KafkaTopic, cfg.KafkaPartitions)
	}, func(err error, next time.Duration) {
		log.Warn("kafka_brokers (JUDGE_KAFKA_BROKERS): no broker answers; retrying", "brokers", cfg.KafkaBrokers, "in", next, "err", err)
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}
