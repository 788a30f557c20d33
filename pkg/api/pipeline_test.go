package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/apiv1"
)

func TestReadyzAndMetricsShowRelayHealth(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	if err := e.st.BeginBackfill(ctx, "s1", "slot missing"); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordRelayRepair(ctx, "s1", "relay-a", "slot was missing: recreated it"); err != nil {
		t.Fatal(err)
	}
	r := e.do(req{method: "GET", path: "/readyz"})
	if r.status != 200 {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	ready := decode[apiv1.Readiness](t, r)
	if ready.Status != "ready" || len(ready.Relays) != 1 {
		t.Fatalf("readyz body %s, want ready with one relay", r.body)
	}
	h := ready.Relays[0]
	if h.Slot != "s1" || h.Repairs != 1 || !h.BackfillPending || h.Healthy || h.LastRepairAt == nil {
		t.Errorf("relay health %+v, want s1 with 1 repair, a pending backfill, unhealthy", h)
	}
	m := e.do(req{method: "GET", path: "/metrics"})
	for _, want := range []string{`judge_relay_repairs_total{slot="s1"} 1`, `judge_relay_backfill_pending{slot="s1"} 1`, `judge_relay_healthy{slot="s1"} 0`} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
