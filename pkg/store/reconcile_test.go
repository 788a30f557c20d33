package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

// age moves a submission's last dispatch and its outbox rows d into the past.
func age(t *testing.T, st *store.Store, id string, d time.Duration) {
	t.Helper()
	_, err := st.DB().Exec(`UPDATE submissions SET dispatched_at = dispatched_at - $2 * interval '1 millisecond' WHERE id = $1;`, id, d.Milliseconds())
	if err == nil {
		_, err = st.DB().Exec(`UPDATE dispatch SET enqueued_at = enqueued_at - $2 * interval '1 millisecond' WHERE submission_id = $1`, id, d.Milliseconds())
	}
	if err != nil {
		t.Fatal(err)
	}
}

func outbox(t *testing.T, st *store.Store, id string) (rows int) {
	t.Helper()
	if err := st.DB().QueryRow(`SELECT count(*) FROM dispatch WHERE submission_id = $1`, id).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestRedispatchStaleOnlyTouchesQueuedSubmissionsPastTheDeadline(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	fresh, stale, running := newQueued(t, st), newQueued(t, st), newQueued(t, st)
	age(t, st, stale, time.Hour)
	age(t, st, running, time.Hour)
	if _, ok, err := st.ClaimSubmission(ctx, running, 1, "w", time.Minute); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	ids, err := st.RedispatchStale(ctx, "s", time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != stale {
		t.Fatalf("re-dispatched %v, want only %s", ids, stale)
	}
	// The old outbox row is superseded by the new one; the attempt is unchanged.
	var attempt, rows, redispatches int
	err = st.DB().QueryRow(`SELECT d.attempt, (SELECT count(*) FROM dispatch WHERE submission_id = $1), s.redispatches
		FROM dispatch d JOIN submissions s ON s.id = d.submission_id WHERE d.submission_id = $1`, stale).Scan(&attempt, &rows, &redispatches)
	if err != nil || attempt != 1 || rows != 1 || redispatches != 1 {
		t.Fatalf("after re-dispatch: attempt %d, %d outbox rows, redispatches %d (%v); want 1, 1, 1", attempt, rows, redispatches, err)
	}
	if n := outbox(t, st, fresh); n != 1 {
		t.Errorf("fresh submission has %d outbox rows, want its original 1", n)
	}
	// The next re-dispatch of the same attempt waits twice as long.
	age(t, st, stale, 90*time.Second)
	if ids, err := st.RedispatchStale(ctx, "s", time.Minute, 100); err != nil || len(ids) != 0 {
		t.Fatalf("second re-dispatch after 1.5 deadlines: %v %v, want none (the deadline doubled)", ids, err)
	}
	age(t, st, stale, time.Minute)
	if ids, err := st.RedispatchStale(ctx, "s", time.Minute, 100); err != nil || len(ids) != 1 {
		t.Fatalf("second re-dispatch after 2.5 deadlines: %v %v, want one", ids, err)
	}
	hs, err := st.ListRelayHealth(ctx)
	if err != nil || len(hs) != 1 || hs[0].Redispatched != 2 {
		t.Fatalf("relay health %+v (%v), want 2 re-dispatches counted", hs, err)
	}
}

func TestDeleteObsoleteDispatchKeepsTheCurrentAttemptOfQueuedSubmissions(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	queued, claimed, requeued := newQueued(t, st), newQueued(t, st), newQueued(t, st)
	for _, id := range []string{claimed, requeued} {
		if _, ok, err := st.ClaimSubmission(ctx, id, 1, "w", time.Minute); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
	}
	if ok, err := st.Requeue(ctx, store.Claim{ID: requeued, Attempt: 1, Worker: "w"}, store.JudgeFault, "test"); err != nil || !ok {
		t.Fatalf("requeue: %v %v", ok, err)
	}
	if n, err := st.DeleteObsoleteDispatch(ctx, "s", time.Minute); err != nil || n != 0 {
		t.Fatalf("deleted %d young rows (%v), want 0", n, err)
	}
	for _, id := range []string{queued, claimed, requeued} {
		age(t, st, id, time.Hour)
	}
	n, err := st.DeleteObsoleteDispatch(ctx, "s", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Obsolete: the claimed submission's row and attempt 1 of the re-queued one.
	if n != 2 || outbox(t, st, queued) != 1 || outbox(t, st, claimed) != 0 || outbox(t, st, requeued) != 1 {
		t.Fatalf("deleted %d; outbox rows queued=%d claimed=%d requeued=%d; want 2 deleted and 1, 0, 1",
			n, outbox(t, st, queued), outbox(t, st, claimed), outbox(t, st, requeued))
	}
}

func TestBackfillMarkKeepsTheFirstReasonUntilEnded(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if p, _, err := st.BackfillPending(ctx, "s"); err != nil || p {
		t.Fatalf("pending %v (%v) before any mark", p, err)
	}
	for _, reason := range []string{"slot missing", "publication lacks the dispatch table"} {
		if err := st.BeginBackfill(ctx, "s", reason); err != nil {
			t.Fatal(err)
		}
	}
	if p, reason, err := st.BackfillPending(ctx, "s"); err != nil || !p || reason != "slot missing" {
		t.Fatalf("pending %v reason %q (%v), want true and the first reason", p, reason, err)
	}
	if err := st.EndBackfill(ctx, "s", 7); err != nil {
		t.Fatal(err)
	}
	hs, err := st.ListRelayHealth(ctx)
	if err != nil || len(hs) != 1 || hs[0].BackfillPending || hs[0].Backfilled != 7 {
		t.Fatalf("after EndBackfill: %+v (%v)", hs, err)
	}
}

// Re-queues for infrastructure faults bump the attempt (older Kafka records become stale) but
// do not count against maxAttempts, in the worker's Spent nor in the reaper.
func TestInfraRequeuesDoNotSpendAttempts(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	id := newQueued(t, st)
	for attempt := 1; attempt <= 3; attempt++ {
		c, ok, err := st.ClaimSubmission(ctx, id, attempt, "w", time.Minute)
		if err != nil || !ok {
			t.Fatalf("claim attempt %d: %v %v", attempt, ok, err)
		}
		if c.Spent() != 1 {
			t.Fatalf("attempt %d after %d infra re-queues: spent %d, want 1", attempt, c.InfraRetries, c.Spent())
		}
		if ok, err := st.Requeue(ctx, c.Claim, store.InfraFault, "docker down"); err != nil || !ok {
			t.Fatalf("requeue: %v %v", ok, err)
		}
	}
	// Attempt 4 with one attempt spent: an expired lease is re-queued, not failed, under
	// maxAttempts 2.
	if _, ok, err := st.ClaimSubmission(ctx, id, 4, "dead", time.Millisecond); err != nil || !ok {
		t.Fatalf("claim attempt 4: %v %v", ok, err)
	}
	time.Sleep(10 * time.Millisecond)
	r, err := st.ReapExpired(ctx, 2, 10)
	if err != nil || r.Requeued != 1 || r.Failed != 0 {
		t.Fatalf("reaped %+v (%v), want 1 re-queued", r, err)
	}
}
