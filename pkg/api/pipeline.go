package api

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// relayHealthStore is what /readyz and the pipeline metrics read: what each relay leader
// recorded about its slot, publication, repairs and reconciliation.
type relayHealthStore interface {
	ListRelayHealth(ctx context.Context) ([]store.RelayHealth, error)
}

func relayHealthWire(hs []store.RelayHealth) []apiv1.RelayHealth {
	out := make([]apiv1.RelayHealth, 0, len(hs))
	for _, h := range hs {
		out = append(out, apiv1.RelayHealth{Slot: h.Slot, Holder: h.Holder, Healthy: h.Healthy(),
			SlotStatus: h.SlotStatus, Publication: h.PublicationStatus, BackfillPending: h.BackfillPending,
			BackfillReason: h.BackfillReason, Backfilled: h.Backfilled, Repairs: h.Repairs, LastRepair: h.LastRepair,
			LastRepairAt: h.LastRepairAt, Redispatched: h.Redispatched, ObsoleteDeleted: h.ObsoleteDeleted,
			StaleQueued: h.StaleQueued, CheckedAt: h.CheckedAt})
	}
	return out
}

// relayHealthCollector exposes relay_health as metrics on every API replica, whichever process
// runs the relay (a standalone relay has no HTTP listener). Read at most once per ttl.
type relayHealthCollector struct {
	st  relayHealthStore
	ttl time.Duration

	mu   sync.Mutex
	at   time.Time
	last []store.RelayHealth
	ok   bool

	healthy, pending, repairs, redispatched, backfilled, obsolete, stale *prometheus.Desc
}

func newRelayHealthCollector(st relayHealthStore, ttl time.Duration) *relayHealthCollector {
	slot := []string{"slot"}
	return &relayHealthCollector{st: st, ttl: ttl,
		healthy:      prometheus.NewDesc("judge_relay_healthy", "1 when the relay's slot and publication were in order at its last check and no backfill is outstanding.", slot, nil),
		pending:      prometheus.NewDesc("judge_relay_backfill_pending", "1 while a backfill of the outbox (after a slot or publication repair) is outstanding.", slot, nil),
		repairs:      prometheus.NewDesc("judge_relay_repairs_total", "Repairs of the replication slot or publication (recreated, altered back).", slot, nil),
		redispatched: prometheus.NewDesc("judge_relay_redispatched_total", "Queued submissions the reconciler dispatched again because their dispatch was older than redispatch_after.", slot, nil),
		backfilled:   prometheus.NewDesc("judge_relay_backfilled_total", "Outbox rows published from the table by backfills.", slot, nil),
		obsolete:     prometheus.NewDesc("judge_relay_obsolete_deleted_total", "Outbox rows the reconciler deleted because their attempt was no longer queued.", slot, nil),
		stale:        prometheus.NewDesc("judge_relay_stale_queued", "Queued submissions whose last dispatch is over a minute old.", nil, nil),
	}
}

func (c *relayHealthCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.healthy, c.pending, c.repairs, c.redispatched, c.backfilled, c.obsolete, c.stale} {
		ch <- d
	}
}

func (c *relayHealthCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if time.Since(c.at) > c.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		hs, err := c.st.ListRelayHealth(ctx)
		cancel()
		c.at = time.Now()
		c.last, c.ok = hs, err == nil
	}
	hs, ok := c.last, c.ok
	c.mu.Unlock()
	if !ok {
		return
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	for _, h := range hs {
		ch <- prometheus.MustNewConstMetric(c.healthy, prometheus.GaugeValue, b(h.Healthy()), h.Slot)
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, b(h.BackfillPending), h.Slot)
		ch <- prometheus.MustNewConstMetric(c.repairs, prometheus.CounterValue, float64(h.Repairs), h.Slot)
		ch <- prometheus.MustNewConstMetric(c.redispatched, prometheus.CounterValue, float64(h.Redispatched), h.Slot)
		ch <- prometheus.MustNewConstMetric(c.backfilled, prometheus.CounterValue, float64(h.Backfilled), h.Slot)
		ch <- prometheus.MustNewConstMetric(c.obsolete, prometheus.CounterValue, float64(h.ObsoleteDeleted), h.Slot)
	}
	if len(hs) > 0 {
		ch <- prometheus.MustNewConstMetric(c.stale, prometheus.GaugeValue, float64(hs[0].StaleQueued))
	}
}
