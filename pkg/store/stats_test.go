package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

// Stats shows what each live worker runs, and the last minute's arrivals and verdicts.
func TestStatsWorkersAndLastMinute(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	for name, slots := range map[string]int{"w1": 4, "w2": 2} {
		if err := st.WorkerHeartbeat(ctx, name, slots); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.DB().Exec(`INSERT INTO workers (name, slots, heartbeat_at) VALUES ('gone', 8, now() - interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	a, b, done := newQueued(t, st), newQueued(t, st), newQueued(t, st)
	for _, id := range []string{a, b} {
		if _, ok, err := st.ClaimSubmission(ctx, id, 1, "w1", time.Minute); err != nil || !ok {
			t.Fatalf("claim %s: ok=%v err=%v", id, ok, err)
		}
	}
	c, ok, err := st.ClaimSubmission(ctx, done, 1, "w2", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: ok=%v err=%v", ok, err)
	}
	if written, err := st.FinishSubmission(ctx, c.Claim, store.Verdict{Verdict: "WA", TimeMS: 3}); err != nil || !written {
		t.Fatalf("finish: written=%v err=%v", written, err)
	}

	s, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.SubmittedLastMin != 3 || s.VerdictsLastMin["WA"] != 1 || len(s.VerdictsLastMin) != 1 {
		t.Errorf("last minute: submitted %d, verdicts %v; want 3 and WA:1", s.SubmittedLastMin, s.VerdictsLastMin)
	}
	if len(s.Workers) != 2 || s.WorkersAlive != 2 {
		t.Fatalf("workers = %+v (alive %d); want w1 and w2 only", s.Workers, s.WorkersAlive)
	}
	w1, w2 := s.Workers[0], s.Workers[1]
	if w1.Name != "w1" || w1.Slots != 4 || len(w1.Running) != 2 || w2.Name != "w2" || w2.Slots != 2 || len(w2.Running) != 0 {
		t.Fatalf("workers = %+v", s.Workers)
	}
	got := map[string]bool{w1.Running[0].ID: true, w1.Running[1].ID: true}
	if !got[a] || !got[b] {
		t.Errorf("w1 runs %+v, want %s and %s", w1.Running, a, b)
	}
	for _, r := range w1.Running {
		if r.Language != "python3" || r.Attempt != 1 || r.StartedAt.IsZero() || time.Since(r.StartedAt) > time.Hour {
			t.Errorf("running submission %+v", r)
		}
	}
	if w1.HeartbeatAgeMS < 0 || w1.HeartbeatAgeMS > 60_000 {
		t.Errorf("heartbeat age %d ms", w1.HeartbeatAgeMS)
	}
}
