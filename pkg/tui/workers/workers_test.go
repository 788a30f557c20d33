package workers

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/tui/theme"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func stats() *apiv1.Stats {
	return &apiv1.Stats{Queued: 5, RelayLagMS: 120, WorkersAlive: 2, Workers: []apiv1.WorkerStats{
		{Name: "worker-a", Slots: 4, HeartbeatAgeMS: 1200, Running: []apiv1.RunningSubmission{
			{ID: "0b8e3c52-7d4a-4f0e-9a61-2c5d8e9f1a30", Problem: "sum", Language: "cpp", Attempt: 1, StartedAt: t0.Add(-12 * time.Second)},
			{ID: "1a2b3c4d-7d4a-4f0e-9a61-2c5d8e9f1a30", Language: "python3", Attempt: 2, StartedAt: t0.Add(-3 * time.Second)},
		}},
		{Name: "worker-b", Slots: 2, HeartbeatAgeMS: 300},
	}}
}

func TestWorkersView(t *testing.T) {
	m := New(theme.Plain(), func() time.Time { return t0 })
	m.SetSize(100, 8)
	if v := m.View(); !strings.Contains(v, "waiting for /v1/stats") {
		t.Errorf("before stats:\n%s", v)
	}
	m.SetStats(stats())
	v := m.View()
	if n := strings.Count(v, "\n") + 1; n != 8 {
		t.Errorf("%d lines, want 8", n)
	}
	for _, want := range []string{
		"workers 2 │ slots in use 2/6 │ queued 5 │ relay lag 120ms",
		"WORKER    SLOTS  BEAT   SUBMISSION  PROBLEM   LANGUAGE  TRY  FOR",
		"worker-a  2/4    1s     0b8e3c52    sum       cpp       1    12s",
		"                        1a2b3c4d    (ad hoc)  python3   2    3s",
		"worker-b  0/2    300ms  idle",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
}

func TestWorkersViewScrollsAndFits(t *testing.T) {
	st := stats()
	for i := 0; i < 20; i++ {
		st.Workers = append(st.Workers, apiv1.WorkerStats{Name: "extra-worker-with-a-long-name", Slots: 1})
	}
	m := New(theme.Plain(), func() time.Time { return t0 })
	m.SetSize(30, 6)
	m.SetStats(st)
	v := m.View()
	if !strings.Contains(v, "more lines") {
		t.Errorf("no hint that lines are hidden:\n%s", v)
	}
	for _, l := range strings.Split(v, "\n") {
		if w := ansi.StringWidth(l); w > 30 {
			t.Errorf("line of width %d > 30: %q", w, l)
		}
	}
	m.Scroll(100)
	if v := m.View(); !strings.Contains(v, "extra-worker") || strings.Contains(v, "worker-a") {
		t.Errorf("scrolled to the end:\n%s", v)
	}
	empty := New(theme.Plain(), time.Now)
	empty.SetSize(80, 4)
	empty.SetStats(&apiv1.Stats{})
	if v := empty.View(); !strings.Contains(v, "no live workers") {
		t.Errorf("no workers:\n%s", v)
	}
}
