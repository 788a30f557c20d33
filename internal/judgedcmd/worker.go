package judgedcmd

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/moby/moby/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/engine/sandboxed"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/queue"
	"github.com/judge-dev/judge/pkg/sandbox"
	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/worker"
)

// defaultGrace is how long a stopping worker lets running submissions finish.
const defaultGrace = 20 * time.Second

func newWorkerCmd(a *app) *cobra.Command {
	var grace time.Duration
	var group string
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Judge submissions from Kafka in the sandbox (--slots at a time)",
		Long: "Consume submission pointers from Kafka as a member of the judge-workers group, judge each in\n" +
			"the Docker sandbox and write the result to PostgreSQL. On SIGTERM it stops fetching, lets running\n" +
			"submissions finish within --grace, hands back the rest and commits its offsets.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd, func(ctx context.Context, cfg config.Config, st *store.Store) error {
				if err := cfg.RequireKafka(); err != nil {
					return err
				}
				return runWorker(ctx, cfg, st, a.logger(cfg), grace, group, nil)
			})
		},
	}
	addWorkerFlags(cmd, &grace, &group)
	return cmd
}

func addWorkerFlags(cmd *cobra.Command, grace *time.Duration, group *string) {
	cmd.Flags().DurationVar(grace, "grace", defaultGrace, "on shutdown, how long running submissions may finish before they are handed back")
	cmd.Flags().StringVar(group, "group", queue.ConsumerGroup, "Kafka consumer group of the workers (one per judge sharing a Kafka cluster)")
}

// runWorker starts the sandbox and judges until ctx ends; `judged all` calls it too, with the
// registry its API serves on /metrics.
func runWorker(ctx context.Context, cfg config.Config, st *store.Store, log *slog.Logger, grace time.Duration, group string, reg prometheus.Registerer) error {
	langs, err := lang.Load(cfg.LanguagesFile)
	if err != nil {
		return fmt.Errorf("languages_file (JUDGE_LANGUAGES_FILE): %w", err)
	}
	if err := ensureTopic(ctx, cfg, log); err != nil || ctx.Err() != nil {
		return err
	}
	slots := cfg.Slots
	if slots == 0 {
		slots = runtime.NumCPU()
	}
	d, err := dockerClient(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	cacheBytes := cfg.CompileCacheBytes()
	sb, err := sandbox.New(ctx, d, langs, sandbox.Options{Mode: cfg.SandboxMode, PoolSize: slots, CompileCacheBytes: cacheBytes, Logger: log})
	if err != nil {
		return fmt.Errorf("start sandbox: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := sb.Close(cctx); err != nil {
			log.Warn("sandbox close", "err", err)
		}
	}()
	m := newWorkerMetrics(reg)
	w, err := worker.New(st, worker.NewSandboxJudger(sandboxed.New(sb, langs), st, langs), worker.Options{
		Brokers: cfg.KafkaBrokers, Topic: cfg.KafkaTopic, Group: group, Slots: slots,
		Lease: cfg.LeaseDuration, Grace: grace, Logger: log,
		Probes: []worker.Probe{{Name: "docker", Check: func(ctx context.Context) error {
			_, err := d.Ping(ctx, client.PingOptions{})
			return err
		}}},
		HealthInterval: cfg.HealthInterval,
		OnJudged:       m.judgedFn(),
		OnHealth:       m.healthFn(),
		OnInfraFault:   m.infraFn(),
	})
	if err != nil {
		return err
	}
	return w.Run(ctx)
}

// workerMetrics are the worker's metrics on the registry of `judged all`; without one (a
// standalone worker has no HTTP listener) every callback is nil.
type workerMetrics struct {
	judged *prometheus.HistogramVec
	paused prometheus.Gauge
	infra  prometheus.Counter
}

func newWorkerMetrics(reg prometheus.Registerer) *workerMetrics {
	if reg == nil {
		return nil
	}
	m := &workerMetrics{
		judged: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "judge_worker_judging_seconds",
			Help:    "Time from claiming a submission to its result being written, by verdict.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"verdict"}),
		paused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "judge_worker_paused",
			Help: "1 while the worker's Docker engine or database fails its health probe and its partitions are paused.",
		}),
		infra: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "judge_worker_infra_faults_total",
			Help: "Runs handed back because Docker or PostgreSQL failed, without spending an attempt.",
		}),
	}
	reg.MustRegister(m.judged, m.paused, m.infra)
	return m
}

func (m *workerMetrics) judgedFn() func(string, time.Duration) {
	if m == nil {
		return nil
	}
	return func(verdict string, d time.Duration) { m.judged.WithLabelValues(verdict).Observe(d.Seconds()) }
}

func (m *workerMetrics) healthFn() func(bool) {
	if m == nil {
		return nil
	}
	return func(healthy bool) {
		if healthy {
			m.paused.Set(0)
		} else {
			m.paused.Set(1)
		}
	}
}

func (m *workerMetrics) infraFn() func() {
	if m == nil {
		return nil
	}
	return m.infra.Inc
}
