package judgedcmd

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/cdc"
	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/ops"
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
			return a.withProcess(cmd, needs{kafka: true}, func(ctx context.Context, p *process) error {
				return p.run(ctx, role{"relay", func(ctx context.Context) error { return p.runRelay(ctx, slot) }})
			})
		},
	}
	addSlotFlag(cmd, &slot)
	return cmd
}

// addSlotFlag adds --slot: replication slots are per cluster, so two judges sharing one
// PostgreSQL cluster (or test databases) need different names.
func addSlotFlag(cmd *cobra.Command, slot *string) {
	cmd.Flags().StringVar(slot, "slot", config.DefaultSlot, "logical replication slot of the relay (unique per PostgreSQL cluster)")
}

// runRelay creates the topic if absent and relays until ctx ends, recording the relay's lag
// on the process's registry and its readiness (leadership and slot health) as the "relay"
// check of /readyz.
func (p *process) runRelay(ctx context.Context, slot string) error {
	cfg := p.cfg
	r, err := cdc.New(cdc.Options{
		DSN:   cfg.DatabaseURL,
		Store: p.st,
		NewProducer: func() (cdc.Producer, error) {
			return queue.NewProducer(cfg.KafkaBrokers, "judge-relay", cfg.KafkaTopic)
		},
		Slot:            slot,
		CheckInterval:   cfg.RelayCheckInterval,
		RedispatchAfter: cfg.RedispatchAfter,
		OnAck:           relayMetrics(p.reg),
		Logger:          p.log,
	})
	if err != nil {
		return err
	}
	p.ops.AddCheck("relay", func(ctx context.Context) ops.Readiness { return relayReadiness(ctx, r.Status(), p.st) })
	if err := p.ensureTopic(ctx); err != nil || ctx.Err() != nil {
		return err
	}
	return r.Run(ctx)
}

// relayHealthReader is what the relay's readiness reads besides the relay itself.
type relayHealthReader interface {
	ListRelayHealth(ctx context.Context) ([]store.RelayHealth, error)
}

// relayDetail is the relay's readiness detail: its own state and, for its slot, what the
// leader recorded at its last inspection (whichever relay leads).
type relayDetail struct {
	cdc.Status
	SlotHealth *slotHealth `json:"slot_health,omitempty"`
	SlotError  string      `json:"slot_health_error,omitempty"`
}

// slotHealth is the part of store.RelayHealth an operator looks at first.
type slotHealth struct {
	Healthy         bool       `json:"healthy"`
	Holder          string     `json:"holder"`
	SlotStatus      string     `json:"slot_status"`
	Publication     string     `json:"publication"`
	BackfillPending bool       `json:"backfill_pending"`
	LastRepair      string     `json:"last_repair,omitempty"`
	CheckedAt       *time.Time `json:"checked_at,omitempty"`
}

// relayReadiness: a relay is ready while it leads or stands by; one whose last term failed
// (database, Kafka) or that has not tried yet is not. The slot's health is detail: a leader
// repairing its slot is doing its job.
func relayReadiness(ctx context.Context, s cdc.Status, hs relayHealthReader) ops.Readiness {
	d := relayDetail{Status: s}
	if all, err := hs.ListRelayHealth(ctx); err != nil {
		d.SlotError = err.Error()
	} else {
		for i := range all {
			if h := all[i]; h.Slot == s.Slot {
				d.SlotHealth = &slotHealth{Healthy: h.Healthy(), Holder: h.Holder, SlotStatus: h.SlotStatus,
					Publication: h.PublicationStatus, BackfillPending: h.BackfillPending, LastRepair: h.LastRepair, CheckedAt: h.CheckedAt}
			}
		}
	}
	out := ops.Readiness{Ready: s.Ready(), Detail: d}
	switch s.State {
	case cdc.StateStarting:
		out.Reason = "the relay has not tried the leader lock yet (waiting for Kafka?)"
	case cdc.StateFailing:
		out.Reason = "the relay's last term failed: " + s.LastError
	}
	return out
}

func relayMetrics(reg prometheus.Registerer) func(cdc.Ack) {
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
