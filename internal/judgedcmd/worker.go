package judgedcmd

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/moby/moby/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/engine/sandboxed"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/ops"
	"github.com/judge-dev/judge/pkg/sandbox"
	"github.com/judge-dev/judge/pkg/worker"
)

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
			return a.withProcess(cmd, needs{kafka: true, docker: true}, func(ctx context.Context, p *process) error {
				return p.run(ctx, role{"worker", func(ctx context.Context) error { return p.runWorker(ctx, grace, group) }})
			})
		},
	}
	addWorkerFlags(cmd, &grace, &group)
	return cmd
}

func addWorkerFlags(cmd *cobra.Command, grace *time.Duration, group *string) {
	cmd.Flags().DurationVar(grace, "grace", config.DefaultGrace, "on shutdown, how long running submissions may finish before they are handed back")
	cmd.Flags().StringVar(group, "group", config.DefaultConsumerGroup, "Kafka consumer group of the workers (one per judge sharing a Kafka cluster)")
}

// runWorker starts the sandbox and judges until ctx ends. Its metrics go to the process's
// registry and its readiness (probes, pause, languages it refuses) is the "worker" check of
// /readyz.
func (p *process) runWorker(ctx context.Context, grace time.Duration, group string) error {
	cfg, log := p.cfg, p.log
	var running atomic.Pointer[workerState]
	p.ops.AddCheck("worker", func(context.Context) ops.Readiness {
		s := running.Load()
		if s == nil {
			return ops.Readiness{Reason: "starting: loading the language table, waiting for Kafka, starting the sandbox"}
		}
		return workerReadiness(s.w.Status(), s.pins.All())
	})

	langs, err := p.languages(ctx)
	if err != nil {
		return err
	}
	if err := p.ensureTopic(ctx); err != nil || ctx.Err() != nil {
		return err
	}
	slots := cfg.Slots
	if slots == 0 {
		slots = runtime.NumCPU()
	}
	d, err := p.dockerClient(ctx)
	if err != nil {
		return err
	}
	// The images are checked before the worker joins its group, so that it never takes a
	// message it would turn away for a reason it could have known.
	pins := image.NewPins(d, langs)
	logRefused(p, pins.Refresh(ctx))
	cacheBytes := cfg.CompileCacheBytes()
	sb, err := sandbox.New(ctx, d, langs, sandbox.Options{Mode: cfg.SandboxMode, MaxUses: cfg.SandboxMaxUses, PoolSize: slots, CompileCacheBytes: cacheBytes, Logger: log})
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
	m := newWorkerMetrics(p.reg)
	w, err := worker.New(p.st, worker.NewSandboxJudger(sandboxed.New(sb, langs), p.st, langs, cfg.ProblemCacheBytes()), worker.Options{
		Brokers: cfg.KafkaBrokers, Topic: cfg.KafkaTopic, Group: group, Slots: slots,
		Lease: cfg.LeaseDuration, Grace: grace, Logger: log,
		Probes: []worker.Probe{{Name: "docker", Check: func(ctx context.Context) error {
			_, err := d.Ping(ctx, client.PingOptions{})
			return err
		}}},
		HealthInterval: cfg.HealthInterval,
		Languages:      pins,
		OnJudged:       m.judgedFn(),
		OnHealth:       m.healthFn(),
		OnInfraFault:   m.infra.Inc,
		OnRefused:      func(l string) { m.refused.WithLabelValues(l).Inc() },
	})
	if err != nil {
		return err
	}
	running.Store(&workerState{w: w, pins: pins})
	pub := &versionPublisher{d: d, tab: langs, st: p.st, worker: w.Name(), log: log}
	pub.update(ctx, pins.All())
	wctx, stopPins := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); watchPins(wctx, p, pins, pub, m) }()
	defer func() { stopPins(); <-watched }()
	return w.Run(ctx)
}

// workerState is what the worker's readiness reads once the worker is built.
type workerState struct {
	w    *worker.Worker
	pins *image.Pins
}

// watchPins looks at the runtime images every health interval, so that a language whose image
// arrives (judged image pull) is taken again and one whose image goes is turned away, logs
// each change and publishes the versions of the languages accepted now.
func watchPins(ctx context.Context, p *process, pins *image.Pins, pub *versionPublisher, m *workerMetrics) {
	t := time.NewTicker(p.cfg.HealthInterval)
	defer t.Stop()
	last := refusedKey(pins.All())
	m.langsRefused.Set(float64(len(pins.All())))
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := pins.Refresh(ctx)
		if ctx.Err() != nil {
			return
		}
		m.langsRefused.Set(float64(len(now)))
		pub.update(ctx, now)
		if k := refusedKey(now); k != last {
			last = k
			if len(now) == 0 {
				p.log.Info("runtime images: every language of the table can be judged again")
			} else {
				logRefused(p, now)
			}
		}
	}
}

func refusedKey(refused map[string]error) string {
	ids := make([]string, 0, len(refused))
	for id, err := range refused {
		ids = append(ids, id+"="+err.Error())
	}
	sort.Strings(ids)
	return strings.Join(ids, "\n")
}

func logRefused(p *process, refused map[string]error) {
	for reason, ids := range image.Summary(refused) {
		p.log.Warn("this worker refuses languages whose runtime image is missing or not this judge's build; their submissions stay queued for a worker that has it",
			"languages", strings.Join(ids, ","), "reason", reason)
	}
}

// workerDetail is the worker's readiness detail.
type workerDetail struct {
	worker.Status
	// RefusedLanguages maps each reason to the languages refused for it.
	RefusedLanguages map[string][]string `json:"refused_languages,omitempty"`
}

// workerReadiness: a worker is ready when it consumes, its probes (database, docker) pass and
// it can judge every language of its table. One that refuses languages still judges the others,
// but is not ready: the cluster's table says it should judge them all.
func workerReadiness(st worker.Status, refused map[string]error) ops.Readiness {
	out := ops.Readiness{Ready: st.Ready() && len(refused) == 0, Detail: workerDetail{Status: st, RefusedLanguages: image.Summary(refused)}}
	var failing []string
	for name, v := range st.Probes {
		if v != "ok" {
			failing = append(failing, name+": "+v)
		}
	}
	sort.Strings(failing)
	switch {
	case !st.Consuming:
		out.Reason = "not in the consumer group (starting or stopping)"
	case st.CheckedAt.IsZero():
		out.Reason = "health not probed yet"
	case st.Paused || len(failing) > 0:
		out.Reason = "consumption paused while a probe fails: " + strings.Join(failing, "; ")
	case len(refused) > 0:
		out.Reason = fmt.Sprintf("%d languages refused: their runtime image is missing or not this judge's build "+
			"(refused_languages); their submissions stay queued. Run `judged image pull --registry REG` or `judged image build`", len(refused))
	}
	return out
}

// workerMetrics are the worker's metrics on the process's registry.
type workerMetrics struct {
	judged       *prometheus.HistogramVec
	paused       prometheus.Gauge
	infra        prometheus.Counter
	refused      *prometheus.CounterVec
	langsRefused prometheus.Gauge
}

func newWorkerMetrics(reg prometheus.Registerer) *workerMetrics {
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
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "judge_worker_refused_total",
			Help: "Messages left queued because this worker cannot judge their language (its runtime image is missing or another build).",
		}, []string{"language"}),
		langsRefused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "judge_worker_languages_refused",
			Help: "Languages of the table this worker refuses now because their runtime image is missing or another build.",
		}),
	}
	reg.MustRegister(m.judged, m.paused, m.infra, m.refused, m.langsRefused)
	return m
}

func (m *workerMetrics) judgedFn() func(string, time.Duration) {
	return func(verdict string, d time.Duration) { m.judged.WithLabelValues(verdict).Observe(d.Seconds()) }
}

func (m *workerMetrics) healthFn() func(bool) {
	return func(healthy bool) {
		if healthy {
			m.paused.Set(0)
		} else {
			m.paused.Set(1)
		}
	}
}
