package worker_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/cdc"
	"github.com/judge-dev/judge/pkg/queue"
	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
	"github.com/judge-dev/judge/pkg/worker"
)

// fakeJudger answers from the submission's source: "AC", "IE-UNTIL-3" (fails attempts 1
// and 2), "IE" (always fails), "PANIC", "BLOCK" (runs until cancelled), "DOCKER-DIES" (takes
// the fake Docker engine down on its first run and fails), "IMAGE-GONE" (removes the language's
// image on its first run and fails). It counts its calls.
type fakeJudger struct {
	mu    sync.Mutex
	calls map[string]int
	// dockerDown is the fake engine's state, which the docker probe reports.
	dockerDown atomic.Bool
	// imageGone, if set, is called by an "IMAGE-GONE" run before it fails (its first run only).
	imageGone func()
}

func (f *fakeJudger) Judge(ctx context.Context, sub store.Claimed, onTest func(store.TestResult)) (store.Verdict, error) {
	f.mu.Lock()
	f.calls[sub.ID]++
	f.mu.Unlock()
	switch {
	case sub.Source == "BLOCK":
		<-ctx.Done()
		return store.Verdict{}, ctx.Err()
	case sub.Source == "IE", sub.Source == "IE-UNTIL-3" && sub.Attempt < 3:
		return store.Verdict{}, errors.New("injected sandbox failure")
	case sub.Source == "PANIC":
		panic("injected judge bug")
	case sub.Source == "IMAGE-GONE" && f.count(sub.ID) == 1:
		f.imageGone()
		return store.Verdict{}, errors.New("create container: No such image: judge-runtime-base:abc")
	case sub.Source == "DOCKER-DIES" && f.count(sub.ID) == 1:
		f.dockerDown.Store(true)
		return store.Verdict{}, errors.New("compile: Cannot connect to the Docker daemon")
	}
	tests := []store.TestResult{{Index: 1, Name: "1", Verdict: "AC", TimeMS: 3}, {Index: 2, Name: "2", Verdict: "AC", TimeMS: 4, Hidden: true}}
	for _, tr := range tests {
		onTest(tr)
	}
	return store.Verdict{Verdict: "AC", TimeMS: 4, MemoryKB: 1000, Tests: tests}, nil
}

func (f *fakeJudger) count(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

type fixture struct {
	st      *store.Store
	brokers []string
	topic   string
	token   int64
	judge   *fakeJudger
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := storetest.New(t)
	f := &fixture{st: st, brokers: testenv.KafkaBrokers(t), topic: testenv.NewTopic(t, 4), judge: &fakeJudger{calls: map[string]int{}}}
	if err := st.DB().QueryRow(`INSERT INTO api_tokens (name, role, token_hash) VALUES ('t', 'admin', 'h') RETURNING id`).Scan(&f.token); err != nil {
		t.Fatal(err)
	}
	var db string
	if err := st.DB().QueryRow(`SELECT current_database()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	r, err := cdc.New(cdc.Options{DSN: st.DSN(), Store: st, Slot: "relay_" + strings.TrimPrefix(db, "judge_test_"),
		NewProducer: func() (cdc.Producer, error) { return queue.NewProducer(f.brokers, "worker-test", f.topic) },
		Logger:      slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

// startWorker runs a worker in a group unique to the test; stop cancels it and returns Run's error.
func (f *fixture) startWorker(t *testing.T, name string, opts worker.Options) (stop func() error) {
	t.Helper()
	return f.startWorkerOn(t, f.st, name, opts)
}

// startWorkerOn is startWorker with the worker's store given.
func (f *fixture) startWorkerOn(t *testing.T, st worker.Store, name string, opts worker.Options) (stop func() error) {
	t.Helper()
	opts.Name, opts.Brokers, opts.Topic = name, f.brokers, f.topic
	opts.Group = "judge-workers-" + f.topic
	if opts.Slots == 0 {
		opts.Slots = 2
	}
	opts.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	w, err := worker.New(st, f.judge, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { stop() })
	return stop
}

func (f *fixture) submit(t *testing.T, source string) string {
	t.Helper()
	c, err := f.st.CreateSubmission(context.Background(), store.NewSubmission{OwnerTokenID: f.token, Owner: "t",
		Language: "python3", Source: source, Limits: store.Limits{TimeMS: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

type row struct {
	status, verdict string
	attempt         int
	results         int
}

func (f *fixture) row(t *testing.T, id string) row {
	t.Helper()
	var r row
	err := f.st.DB().QueryRow(`SELECT status, coalesce(verdict, ''), attempt, (SELECT count(*) FROM results WHERE submission_id = $1)
		FROM submissions WHERE id = $1`, id).Scan(&r.status, &r.verdict, &r.attempt, &r.results)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) waitDone(t *testing.T, ids ...string) {
	t.Helper()
	testenv.WaitFor(t, fmt.Sprintf("%d submissions done", len(ids)), 60*time.Second, func() bool {
		var n int
		if err := f.st.DB().QueryRow(`SELECT count(*) FROM submissions WHERE id = ANY(string_to_array($1, ',')::uuid[]) AND status = 'done'`,
			strings.Join(ids, ",")).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == len(ids)
	})
}

func TestWorkersJudgeEachSubmissionOnce(t *testing.T) {
	f := newFixture(t)
	f.startWorker(t, "w1", worker.Options{})
	f.startWorker(t, "w2", worker.Options{})
	var ids []string
	for i := range 20 {
		ids = append(ids, f.submit(t, fmt.Sprintf("AC %d", i)))
	}
	f.waitDone(t, ids...)
	for _, id := range ids {
		if r := f.row(t, id); r.verdict != "AC" || r.attempt != 1 || r.results != 2 {
			t.Errorf("%s: %+v, want AC on attempt 1 with 2 results", id, r)
		}
		if n := f.judge.count(id); n != 1 {
			t.Errorf("%s judged %d times, want once", id, n)
		}
		evs, err := f.st.EventsAfter(context.Background(), id, 0)
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		for _, e := range evs {
			seq = append(seq, e.Type+"/"+e.Status)
			if e.Test != nil && e.Test.Hidden && e.Test.Stdout != "" {
				t.Errorf("hidden test output in an event of %s", id)
			}
		}
		if got, want := strings.Join(seq, " "), "status/queued status/running test/running test/running done/done"; got != want {
			t.Errorf("%s events %q, want %q", id, got, want)
		}
	}

	// A duplicate of a finished submission's message is skipped.
	p, err := queue.NewProducer(f.brokers, "dup", f.topic)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Send([]queue.Message{{ID: ids[0], Language: "python3", Attempt: 1, EnqueuedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	marker := f.submit(t, "AC marker")
	f.waitDone(t, marker)
	if n := f.judge.count(ids[0]); n != 1 {
		t.Errorf("duplicate message judged again: %d calls", n)
	}
}

func TestInternalErrorsAreRetriedThenReported(t *testing.T) {
	f := newFixture(t)
	f.startWorker(t, "w1", worker.Options{MaxAttempts: 3})
	flaky := f.submit(t, "IE-UNTIL-3")
	broken := f.submit(t, "IE")
	panics := f.submit(t, "PANIC")
	f.waitDone(t, flaky, broken, panics)
	if r := f.row(t, panics); r.verdict != "IE" || r.attempt != 3 {
		t.Errorf("panicking judge: %+v, want IE after 3 attempts", r)
	}
	if r := f.row(t, flaky); r.verdict != "AC" || r.attempt != 3 {
		t.Errorf("flaky: %+v, want AC on attempt 3", r)
	}
	if r := f.row(t, broken); r.verdict != "IE" || r.attempt != 3 {
		t.Errorf("broken: %+v, want IE after 3 attempts", r)
	}
	if n := f.judge.count(broken); n != 3 {
		t.Errorf("broken judged %d times, want 3", n)
	}
}

func TestReaperRequeuesExpiredLease(t *testing.T) {
	f := newFixture(t)
	id := f.submit(t, "AC")
	// A worker that died mid-run: claimed, lease already expired, nobody holds it.
	if _, ok, err := f.st.ClaimSubmission(context.Background(), id, 1, "dead", time.Millisecond); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	f.startWorker(t, "w1", worker.Options{Lease: 2 * time.Second, ReapInterval: 200 * time.Millisecond})
	f.waitDone(t, id)
	if r := f.row(t, id); r.verdict != "AC" || r.attempt != 2 {
		t.Errorf("%+v, want AC on attempt 2", r)
	}
}

func TestStoppingWorkerHandsBackAfterGrace(t *testing.T) {
	f := newFixture(t)
	stop := f.startWorker(t, "w1", worker.Options{Grace: 300 * time.Millisecond})
	id := f.submit(t, "BLOCK")
	testenv.WaitFor(t, "the submission running", 30*time.Second, func() bool { return f.row(t, id).status == "running" })
	if err := stop(); err != nil {
		t.Fatalf("worker Run: %v", err)
	}
	if r := f.row(t, id); r.status != "queued" || r.attempt != 2 {
		t.Fatalf("after stop: %+v, want queued attempt 2", r)
	}
	var alive int
	f.st.DB().QueryRow(`SELECT count(*) FROM workers WHERE name = 'w1'`).Scan(&alive)
	if alive != 0 {
		t.Error("stopped worker still has a heartbeat row")
	}
	// The next worker gets attempt 2 through the outbox; BLOCK still blocks, so finish it by
	// judging with a worker whose judge is told to accept.
	f.st.DB().Exec(`UPDATE submissions SET source = 'AC' WHERE id = $1`, id)
	f.startWorker(t, "w2", worker.Options{})
	f.waitDone(t, id)
	if r := f.row(t, id); r.verdict != "AC" || r.attempt != 2 {
		t.Errorf("%+v, want AC on attempt 2", r)
	}
}

// A message can arrive before its transaction is visible to the worker's session (PostgreSQL
// decodes a commit before it marks the transaction visible). The worker must wait for it, not
// drop the message as stale.
func TestMessageBeforeItsSubmissionIsVisible(t *testing.T) {
	f := newFixture(t)
	f.startWorker(t, "w1", worker.Options{})
	var id string
	if err := f.st.DB().QueryRow(`SELECT gen_random_uuid()::text`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	p, err := queue.NewProducer(f.brokers, "early", f.topic)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Send([]queue.Message{{ID: id, Language: "python3", Attempt: 1, EnqueuedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the worker has the message and finds no submission
	// The submission becomes visible only now, without an outbox row of its own.
	if _, err := f.st.DB().Exec(`INSERT INTO submissions (id, owner_token_id, owner, language, source, source_sha256)
		VALUES ($1, $2, 't', 'python3', 'AC', 'x')`, id, f.token); err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, id)
	if r := f.row(t, id); r.verdict != "AC" || r.attempt != 1 {
		t.Errorf("%+v, want AC on attempt 1", r)
	}
}

// A run that fails while the Docker engine is down is the infrastructure's fault: the worker
// pauses until the engine answers, and the submission is judged again without spending an
// attempt (MaxAttempts 1 would make any spent failure a final IE).
func TestInfrastructureFaultPausesTheWorkerAndSpendsNoAttempt(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var changes []bool
	f.startWorker(t, "w1", worker.Options{MaxAttempts: 1, HealthInterval: 100 * time.Millisecond,
		Probes: []worker.Probe{{Name: "docker", Check: func(context.Context) error {
			if f.judge.dockerDown.Load() {
				return errors.New("injected: docker engine unavailable")
			}
			return nil
		}}},
		OnHealth: func(healthy bool) { mu.Lock(); changes = append(changes, healthy); mu.Unlock() },
	})
	id := f.submit(t, "DOCKER-DIES")
	testenv.WaitFor(t, "the run failing and the engine going down", 30*time.Second, func() bool { return f.judge.dockerDown.Load() })
	testenv.WaitFor(t, "the submission handed back", 30*time.Second, func() bool {
		r := f.row(t, id)
		return r.status == "queued" && r.attempt == 2
	})
	// While the engine is down the handed-back attempt is not taken.
	time.Sleep(time.Second)
	if n := f.judge.count(id); n != 1 {
		t.Fatalf("judged %d times while the engine was down, want 1", n)
	}
	f.judge.dockerDown.Store(false)
	f.waitDone(t, id)
	if r := f.row(t, id); r.verdict != "AC" || r.attempt != 2 {
		t.Errorf("%+v, want AC on attempt 2", r)
	}
	var infra int
	if err := f.st.DB().QueryRow(`SELECT infra_retries FROM submissions WHERE id = $1`, id).Scan(&infra); err != nil || infra != 1 {
		t.Errorf("infra_retries %d (%v), want 1", infra, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(changes) < 2 || changes[0] || !changes[len(changes)-1] {
		t.Errorf("health changes %v, want a pause then a resume", changes)
	}
}

// fakeLanguages refuses the languages in its set, and counts the rechecks.
type fakeLanguages struct {
	mu       sync.Mutex
	refused  map[string]bool
	rechecks int
}

func (f *fakeLanguages) set(lang string, refused bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refused[lang] = refused
}

func (f *fakeLanguages) Refused(lang string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refused[lang] {
		return fmt.Errorf("image for %s is not on this engine", lang)
	}
	return nil
}

func (f *fakeLanguages) Recheck(_ context.Context, lang string) error {
	f.mu.Lock()
	f.rechecks++
	f.mu.Unlock()
	return f.Refused(lang)
}

// A worker does not claim a submission of a language it refuses (its runtime image is missing):
// the submission stays queued with its attempts. A run that fails because the image went
// meanwhile is handed back without spending an attempt, and never becomes IE.
func TestRefusedLanguageStaysQueuedWithoutIE(t *testing.T) {
	f := newFixture(t)
	langs := &fakeLanguages{refused: map[string]bool{"python3": true}}
	f.judge.imageGone = func() { langs.set("python3", true) }
	var refusals atomic.Int32
	f.startWorker(t, "w1", worker.Options{MaxAttempts: 1, Languages: langs,
		OnRefused: func(lang string) {
			if lang == "python3" {
				refusals.Add(1)
			}
		}})

	id := f.submit(t, "AC")
	testenv.WaitFor(t, "the message refused", 30*time.Second, func() bool { return refusals.Load() == 1 })
	if r := f.row(t, id); r.status != "queued" || r.attempt != 1 || f.judge.count(id) != 0 {
		t.Errorf("refused submission: %+v judged %d times; want queued at attempt 1, never judged", r, f.judge.count(id))
	}

	langs.set("python3", false)
	gone := f.submit(t, "IMAGE-GONE")
	// Handed back (attempt 2 through the outbox), then its new message is refused in turn.
	testenv.WaitFor(t, "the run handed back and its new message refused", 30*time.Second, func() bool { return refusals.Load() >= 3 })
	r := f.row(t, gone)
	var infra int
	if err := f.st.DB().QueryRow(`SELECT infra_retries FROM submissions WHERE id = $1`, gone).Scan(&infra); err != nil {
		t.Fatal(err)
	}
	if r.status != "queued" || r.verdict != "" || r.attempt != 2 || infra != 1 || f.judge.count(gone) != 1 {
		t.Errorf("after its image went: %+v, infra_retries %d, judged %d times; want queued at attempt 2 with one infra retry, judged once",
			r, infra, f.judge.count(gone))
	}
	langs.mu.Lock()
	defer langs.mu.Unlock()
	if langs.rechecks != 1 {
		t.Errorf("%d rechecks, want 1 (after the failed run)", langs.rechecks)
	}
}

// gatedFinish holds the first result write until its gate is closed (or the write gives up).
type gatedFinish struct {
	*store.Store
	gate chan struct{}
	held atomic.Bool
}

func (g *gatedFinish) FinishSubmission(ctx context.Context, c store.Claim, v store.Verdict) (bool, error) {
	if g.held.CompareAndSwap(false, true) {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	return g.Store.FinishSubmission(ctx, c, v)
}

// A slot bounds runs, not result writes: with one slot, the next submission is judged while the
// previous one's result is still being written.
func TestSlotIsFreeWhileAResultIsWritten(t *testing.T) {
	f := newFixture(t)
	st := &gatedFinish{Store: f.st, gate: make(chan struct{})}
	f.startWorkerOn(t, st, "w1", worker.Options{Slots: 1})
	open := sync.OnceFunc(func() { close(st.gate) })
	t.Cleanup(open) // before the worker stops, should the test fail with the write held
	a := f.submit(t, "AC")
	testenv.WaitFor(t, "the first submission judged", 30*time.Second, func() bool { return f.judge.count(a) == 1 })
	b := f.submit(t, "AC")
	testenv.WaitFor(t, "the second judged while the first result waits", 30*time.Second, func() bool { return f.judge.count(b) == 1 })
	open()
	f.waitDone(t, a, b)
}
