package api

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

type metrics struct {
	requests *prometheus.HistogramVec
	accepted prometheus.Counter
	streams  prometheus.Gauge
	// capped counts requests turned away or answered without waiting because a per-route
	// concurrency cap (SSE streams, ?wait=) was full.
	capped *prometheus.CounterVec
	// waitErrors counts ?wait= that stopped waiting on a database error and answered with the
	// submission as it was.
	waitErrors prometheus.Counter
	// waits is the number of requests inside a ?wait= now.
	waits prometheus.Gauge
}

func newMetrics(reg *prometheus.Registry, st interface {
	statsStore
	relayHealthStore
}) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "judge_api_request_duration_seconds",
			Help:    "Latency of API requests by route pattern and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 30, 60},
		}, []string{"route", "code"}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "judge_api_submissions_accepted_total",
			Help: "Submissions accepted (202) by this API process, idempotent replays included.",
		}),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "judge_api_event_streams",
			Help: "Open Server-Sent Event streams on this API process.",
		}),
		capped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "judge_api_concurrency_capped_total",
			Help: "Requests refused (SSE: 503) or answered without waiting (?wait=) because the route's concurrency cap was full.",
		}, []string{"route"}),
		waits: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "judge_api_waits",
			Help: "Requests of this API process waiting with ?wait= now.",
		}),
		waitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "judge_api_wait_errors_total",
			Help: "?wait= requests that stopped waiting on a database error and answered with the submission's last known state.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.accepted, m.streams, m.capped, m.waitErrors, m.waits, newStatsCollector(st, 5*time.Second), newRelayHealthCollector(st, 5*time.Second)} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register api metrics: %w", err)
		}
	}
	return m, nil
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{ErrorLog: nil})
}

// statsCollector exposes the database-wide figures of /v1/stats as metrics. They are read at
// most once per ttl, whatever the scrape rate and the number of replicas scraped.
type statsCollector struct {
	st  statsStore
	ttl time.Duration

	mu   sync.Mutex
	at   time.Time
	last store.Stats
	ok   bool

	queue, verdicts, workers, lag *prometheus.Desc
}

func newStatsCollector(st statsStore, ttl time.Duration) *statsCollector {
	return &statsCollector{
		st: st, ttl: ttl,
		queue:    prometheus.NewDesc("judge_stats_queue_depth", "Submissions not done, by status (from PostgreSQL).", []string{"status"}, nil),
		verdicts: prometheus.NewDesc("judge_stats_verdicts", "Finished submissions by verdict (from PostgreSQL).", []string{"verdict"}, nil),
		workers:  prometheus.NewDesc("judge_stats_workers_alive", "Workers with a heartbeat in the last 15 s.", nil, nil),
		lag:      prometheus.NewDesc("judge_stats_relay_lag_seconds", "Commit-to-Kafka-ack lag of the relay's last transaction.", nil, nil),
	}
}

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.queue
	ch <- c.verdicts
	ch <- c.workers
	ch <- c.lag
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if time.Since(c.at) > c.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		st, err := c.st.Stats(ctx)
		cancel()
		c.at = time.Now()
		c.last, c.ok = st, err == nil
	}
	st, ok := c.last, c.ok
	c.mu.Unlock()
	if !ok {
		return // database down: better no figures than wrong ones
	}
	ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(st.Queued), apiv1.StatusQueued)
	ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(st.Running), apiv1.StatusRunning)
	for v, n := range st.VerdictCounts {
		ch <- prometheus.MustNewConstMetric(c.verdicts, prometheus.GaugeValue, float64(n), v)
	}
	ch <- prometheus.MustNewConstMetric(c.workers, prometheus.GaugeValue, float64(st.WorkersAlive))
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(st.RelayLagMS)/1000)
}
