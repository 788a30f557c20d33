package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

func newQueued(t *testing.T, st *store.Store) string {
	t.Helper()
	var tok int64
	if err := st.DB().QueryRow(`INSERT INTO api_tokens (name, role, token_hash)
		VALUES ('w', 'admin', decode(md5(random()::text), 'hex')) RETURNING id`).Scan(&tok); err != nil {
		t.Fatal(err)
	}
	stdin := "1 2\n"
	c, err := st.CreateSubmission(context.Background(), store.NewSubmission{OwnerTokenID: tok, Owner: "w",
		Language: "python3", Source: "print(3)", Stdin: &stdin, Limits: store.Limits{TimeMS: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// newClaimed makes a queued submission and claims its first attempt as worker w1.
func newClaimed(t *testing.T, st *store.Store) (string, store.Claimed) {
	t.Helper()
	id := newQueued(t, st)
	c, ok, err := st.ClaimSubmission(context.Background(), id, 1, "w1", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: ok=%v err=%v", ok, err)
	}
	return id, c
}

func TestClaimFinishAreConditional(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	id := newQueued(t, st)

	if _, ok, err := st.ClaimSubmission(ctx, id, 2, "w1", time.Minute); err != nil || ok {
		t.Fatalf("claim with a wrong attempt: ok=%v err=%v, want not ok", ok, err)
	}
	c, ok, err := st.ClaimSubmission(ctx, id, 1, "w1", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: ok=%v err=%v", ok, err)
	}
	if c.Language != "python3" || c.Source != "print(3)" || c.Stdin == nil || *c.Stdin != "1 2\n" || c.Limits.TimeMS != 1000 {
		t.Errorf("claimed %+v", c)
	}
	if _, ok, _ := st.ClaimSubmission(ctx, id, 1, "w2", time.Minute); ok {
		t.Fatal("a second worker claimed a running submission")
	}
	if held, err := st.ExtendLease(ctx, store.Claim{ID: id, Attempt: 1, Worker: "w2"}, time.Minute); err != nil || held {
		t.Fatalf("another worker extended the lease: held=%v err=%v", held, err)
	}
	v := store.Verdict{Verdict: "AC", TimeMS: 12, Tests: []store.TestResult{{Name: "1", Verdict: "AC"}, {Name: "2", Verdict: "AC"}}}
	if written, err := st.FinishSubmission(ctx, store.Claim{ID: id, Attempt: 1, Worker: "w2"}, v); err != nil || written {
		t.Fatalf("a worker without the claim wrote a result: written=%v err=%v", written, err)
	}
	if written, err := st.FinishSubmission(ctx, c.Claim, v); err != nil || !written {
		t.Fatalf("finish: written=%v err=%v", written, err)
	}
	if written, _ := st.FinishSubmission(ctx, c.Claim, v); written {
		t.Fatal("finished twice")
	}
	var status, verdict string
	var results int
	err = st.DB().QueryRow(`SELECT status, verdict, (SELECT count(*) FROM results WHERE submission_id = $1) FROM submissions WHERE id = $1`, id).
		Scan(&status, &verdict, &results)
	if err != nil || status != "done" || verdict != "AC" || results != 2 {
		t.Fatalf("after finish: %s %s %d results, err %v", status, verdict, results, err)
	}
	evs, err := st.EventsAfter(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type+"/"+e.Status)
	}
	want := []string{"status/queued", "status/running", "done/done"}
	if len(types) != len(want) || types[0] != want[0] || types[1] != want[1] || types[2] != want[2] {
		t.Errorf("events %v, want %v", types, want)
	}
}

// TestFinishReplacesEarlierResults: results left by an earlier attempt are replaced, not kept
// beside the new ones (the one-statement finish leaves that case to the transaction).
func TestFinishReplacesEarlierResults(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	id, c := newClaimed(t, st)
	if _, err := st.DB().Exec(`INSERT INTO results (submission_id, ordinal, name, verdict, time_ms, wall_ms, memory_kb)
		VALUES ($1, 1, 'old', 'WA', 1, 1, 1), ($1, 2, 'old', 'WA', 1, 1, 1), ($1, 3, 'old', 'WA', 1, 1, 1)`, id); err != nil {
		t.Fatal(err)
	}
	v := store.Verdict{Verdict: "AC", Tests: []store.TestResult{{Name: "new", Verdict: "AC"}}, Unstreamed: []store.TestResult{{Name: "new", Verdict: "AC"}}}
	if written, err := st.FinishSubmission(ctx, c.Claim, v); err != nil || !written {
		t.Fatalf("finish: written=%v err=%v", written, err)
	}
	var names []string
	rows, err := st.DB().Query(`SELECT name || '/' || verdict FROM results WHERE submission_id = $1 ORDER BY ordinal`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if len(names) != 1 || names[0] != "new/AC" {
		t.Errorf("results after finish: %v, want [new/AC]", names)
	}
	evs, err := st.EventsAfter(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(evs); n != 4 || evs[2].Type != "test" || evs[3].Type != "done" {
		t.Errorf("events %+v, want queued, running, test, done", evs)
	}
}

func TestRequeueAndReaper(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	id, c := newClaimed(t, st)
	if ok, err := st.Requeue(ctx, store.Claim{ID: id, Attempt: 1, Worker: "other"}, store.JudgeFault, "x"); err != nil || ok {
		t.Fatalf("requeue by a non-holder: %v %v", ok, err)
	}
	if ok, err := st.Requeue(ctx, c.Claim, store.JudgeFault, "test"); err != nil || !ok {
		t.Fatalf("requeue: %v %v", ok, err)
	}
	var dispatched int
	st.DB().QueryRow(`SELECT count(*) FROM dispatch WHERE submission_id = $1 AND attempt = 2`, id).Scan(&dispatched)
	if dispatched != 1 {
		t.Fatalf("%d outbox rows for attempt 2, want 1", dispatched)
	}

	// Attempt 2 claimed, then its worker vanishes: the lease expires.
	if _, ok, err := st.ClaimSubmission(ctx, id, 2, "w2", time.Millisecond); err != nil || !ok {
		t.Fatalf("claim attempt 2: %v %v", ok, err)
	}
	time.Sleep(10 * time.Millisecond) // the lease is 1ms; this only lets the clock pass it
	r, err := st.ReapExpired(ctx, 3, 10)
	if err != nil || r.Requeued != 1 || r.Failed != 0 {
		t.Fatalf("reap: %+v %v", r, err)
	}
	// Attempt 3 is the last: an expired lease now ends it as IE.
	if _, ok, err := st.ClaimSubmission(ctx, id, 3, "w3", time.Millisecond); err != nil || !ok {
		t.Fatalf("claim attempt 3: %v %v", ok, err)
	}
	time.Sleep(10 * time.Millisecond)
	r, err = st.ReapExpired(ctx, 3, 10)
	if err != nil || r.Requeued != 0 || r.Failed != 1 {
		t.Fatalf("reap on the last attempt: %+v %v", r, err)
	}
	var status, verdict string
	st.DB().QueryRow(`SELECT status, coalesce(verdict, '') FROM submissions WHERE id = $1`, id).Scan(&status, &verdict)
	if status != "done" || verdict != "IE" {
		t.Fatalf("after the last attempt: %s %s, want done IE", status, verdict)
	}
}

// TestTestEventsBatchedAndWithTheResult covers the worker's batching: several test events in one
// write, the rest in the result's transaction before "done", hidden tests stored as the worker saw
// them (the API strips them: pkg/api publicTest), results in test order, and a late claim
// recording nothing.
func TestTestEventsBatchedAndWithTheResult(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	id, c := newClaimed(t, st)
	tests := []store.TestResult{
		{Name: "1", Verdict: "AC", Stdout: "3\n", TimeMS: 1},
		{Name: "2", Verdict: "AC", Hidden: true, Stdout: "secret", Input: "secret", TimeMS: 2},
		{Name: "3", Verdict: "WA", Stdout: "4\n", TimeMS: 3},
	}
	if err := st.AppendTestEvents(ctx, c.Claim, tests[:2]); err != nil {
		t.Fatal(err)
	}
	// A claim of another attempt records nothing.
	if err := st.AppendTestEvents(ctx, store.Claim{ID: id, Attempt: 2, Worker: "w1"}, tests[2:]); err != nil {
		t.Fatal(err)
	}
	v := store.Verdict{Verdict: "WA", TimeMS: 3, Tests: tests, Unstreamed: tests[2:]}
	if written, err := st.FinishSubmission(ctx, c.Claim, v); err != nil || !written {
		t.Fatalf("finish: written=%v err=%v", written, err)
	}
	evs, err := st.EventsAfter(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, e := range evs {
		s := e.Type + "/" + e.Status
		if e.Test != nil {
			s += "/" + e.Test.Name + "/" + e.Test.Stdout + e.Test.Input
		}
		got = append(got, s)
		if i > 0 && e.Seq <= evs[i-1].Seq {
			t.Errorf("event %d has seq %d after %d", i, e.Seq, evs[i-1].Seq)
		}
	}
	want := []string{"status/queued", "status/running", "test/running/1/3\n", "test/running/2/secretsecret", "test/running/3/4\n", "done/done"}
	if len(got) != len(want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %q, want %q", i, got[i], want[i])
		}
	}
	sub, err := st.GetSubmission(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sub.Tests) != 3 || sub.Tests[0].Name != "1" || sub.Tests[1].Stdout != "secret" || sub.Tests[2].Index != 3 || sub.Tests[2].Verdict != "WA" {
		t.Errorf("results %+v, want the three tests in order, hidden output kept for the API to redact", sub.Tests)
	}
	// Results come back as written, every field (they are read as JSON with the submission).
	for i, tr := range sub.Tests {
		want := tests[i]
		want.Index = i + 1
		if tr != want {
			t.Errorf("result %d = %+v, want %+v", i, tr, want)
		}
	}
	// An event stream's first read is the submission and the same events as EventsAfter.
	head, rest, err := st.SubmissionEvents(ctx, id, evs[1].Seq)
	if err != nil || head.ID != id || head.Status != store.StatusDone || len(head.Tests) != 0 || len(rest) != len(evs)-2 {
		t.Fatalf("SubmissionEvents = %+v, %d events, %v; want the done submission and %d events", head, len(rest), err, len(evs)-2)
	}
	for i, e := range rest {
		if got, want := e, evs[i+2]; got.Seq != want.Seq || got.Type != want.Type || got.Attempt != want.Attempt || got.Status != want.Status ||
			(got.Test == nil) != (want.Test == nil) || (got.Test != nil && *got.Test != *want.Test) {
			t.Errorf("SubmissionEvents event %d = %+v, want %+v", i, got, want)
		}
	}
	if _, none, err := st.SubmissionEvents(ctx, id, evs[len(evs)-1].Seq); err != nil || len(none) != 0 {
		t.Errorf("SubmissionEvents after the last event = %+v, %v; want none", none, err)
	}
}
