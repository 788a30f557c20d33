package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/store"
)

// TestBadStringsNeverReachTheDatabase sends NUL bytes, invalid UTF-8, control characters and
// over-long values in every place a request carries a string. Each is a 4xx problem+json that
// names the field; before, a NUL in a slug, a filter or the problem field was a 500 from
// PostgreSQL.
func TestBadStringsNeverReachTheDatabase(t *testing.T) {
	e := newEnv(t, envOpts{})
	long := strings.Repeat("a", 300)
	with := func(f func(*apiv1.SubmissionRequest)) apiv1.SubmissionRequest { r := adhoc(); f(&r); return r }
	problemReq := apiv1.SubmissionRequest{Language: "python3", Source: "print(1)\n"}
	tests := []struct {
		name       string
		rq         req
		status     int
		field      string
		typ        string
		wantDetail string
	}{
		{"NUL in slug path (GET)", req{method: "GET", path: "/v1/problems/a%00b"}, 400, "path", apiv1.ErrTypeBadRequest, "NUL"},
		{"NUL in slug path (PUT)", req{method: "PUT", path: "/v1/problems/a%00b", body: "x"}, 400, "path", apiv1.ErrTypeBadRequest, "NUL"},
		{"bad slug path", req{method: "GET", path: "/v1/problems/Not_A_Slug"}, 400, "slug", apiv1.ErrTypeBadRequest, "slug"},
		{"NUL in ?problem=", req{method: "GET", path: "/v1/submissions?problem=a%00"}, 400, "problem", apiv1.ErrTypeBadRequest, "NUL"},
		{"bad ?problem=", req{method: "GET", path: "/v1/submissions?problem=" + long}, 400, "problem", apiv1.ErrTypeValidation, "slug"},
		{"NUL in ?owner=", req{method: "GET", path: "/v1/submissions?owner=x%00y"}, 400, "owner", apiv1.ErrTypeBadRequest, "NUL"},
		{"invalid UTF-8 in ?owner=", req{method: "GET", path: "/v1/submissions?owner=%ff%fe"}, 400, "owner", apiv1.ErrTypeBadRequest, "UTF-8"},
		{"long ?owner=", req{method: "GET", path: "/v1/submissions?owner=" + long}, 400, "owner", apiv1.ErrTypeValidation, "limit"},
		{"NUL in ?cursor=", req{method: "GET", path: "/v1/submissions?cursor=%00"}, 400, "cursor", apiv1.ErrTypeBadRequest, "NUL"},
		{"NUL in a query name", req{method: "GET", path: "/v1/submissions?a%00=1"}, 400, "query", apiv1.ErrTypeBadRequest, "NUL"},
		{"malformed query", req{method: "GET", path: "/v1/submissions?owner=%zz"}, 400, "", apiv1.ErrTypeBadRequest, "query"},
		{"NUL in ?last_event_id=", req{method: "GET", path: "/v1/submissions/00000000-0000-0000-0000-000000000000/events?last_event_id=%00"}, 400, "last_event_id", apiv1.ErrTypeBadRequest, "NUL"},
		{"NUL in submission id", req{method: "GET", path: "/v1/submissions/%00"}, 400, "path", apiv1.ErrTypeBadRequest, "NUL"},
		{"NUL in judge0 token", req{method: "GET", path: "/judge0/submissions/%00"}, 400, "path", apiv1.ErrTypeBadRequest, "NUL"},
		{"NUL in problem field", req{method: "POST", path: "/v1/submissions", body: with(func(r *apiv1.SubmissionRequest) { *r = problemReq; r.Problem = "a\x00b" })}, 422, "problem", apiv1.ErrTypeValidation, ""},
		{"long problem field", req{method: "POST", path: "/v1/submissions", body: with(func(r *apiv1.SubmissionRequest) { *r = problemReq; r.Problem = long })}, 422, "problem", apiv1.ErrTypeValidation, ""},
		{"NUL in language", req{method: "POST", path: "/v1/submissions", body: with(func(r *apiv1.SubmissionRequest) { r.Language = "py\x00" })}, 422, "language", apiv1.ErrTypeValidation, ""},
		{"long language", req{method: "POST", path: "/v1/submissions", body: with(func(r *apiv1.SubmissionRequest) { r.Language = long })}, 422, "language", apiv1.ErrTypeValidation, ""},
		{"NUL in stdin", req{method: "POST", path: "/v1/submissions", body: with(func(r *apiv1.SubmissionRequest) { s := "1\x00"; r.Stdin = &s })}, 422, "stdin", apiv1.ErrTypeValidation, ""},
		{"NUL in expected output", req{method: "POST", path: "/v1/submissions", body: with(func(r *apiv1.SubmissionRequest) { s := "\x00"; r.ExpectedOutput = &s })}, 422, "expected_output", apiv1.ErrTypeValidation, ""},
		{"escaped NUL in source", req{method: "POST", path: "/v1/submissions", body: `{"language":"python3","source":"print(1)\u0000"}`}, 422, "source", apiv1.ErrTypeValidation, ""},
		{"non-ASCII idempotency key", req{method: "POST", path: "/v1/submissions", body: adhoc(), header: map[string]string{"Idempotency-Key": "clé"}}, 400, "Idempotency-Key", apiv1.ErrTypeBadRequest, ""},
		{"long idempotency key", req{method: "POST", path: "/v1/submissions", body: adhoc(), header: map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}}, 400, "Idempotency-Key", apiv1.ErrTypeBadRequest, ""},
		// Judge0's stdin may be binary (stored as bytes, never as text), so a NUL there is no error.
		{"NUL in judge0 source_code", req{method: "POST", path: "/judge0/submissions", body: map[string]any{"source_code": "print(1)\x00", "language_id": 71}}, 422, "source_code", apiv1.ErrTypeValidation, ""},
		{"NUL in judge0 ?base64_encoded=", req{method: "POST", path: "/judge0/submissions?base64_encoded=%00", body: map[string]any{"source_code": "x", "language_id": 71}}, 400, "base64_encoded", apiv1.ErrTypeBadRequest, "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.rq.token = e.admin
			r := e.do(tt.rq)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			pd := r.problem(t)
			if pd.Type != tt.typ {
				t.Errorf("type %s, want %s", pd.Type, tt.typ)
			}
			if tt.field != "" && !hasField(pd, tt.field) {
				t.Errorf("errors %+v do not name %q", pd.Errors, tt.field)
			}
			if !strings.Contains(string(r.body), tt.wantDetail) {
				t.Errorf("answer does not say %q: %s", tt.wantDetail, r.body)
			}
		})
	}
	// A token that is not printable ASCII is refused without a lookup.
	r := e.do(req{method: "GET", path: "/v1/submissions", token: "tök\u00e9n"})
	if r.status != http.StatusUnauthorized || r.problem(t).Type != apiv1.ErrTypeUnauthorized {
		t.Errorf("non-ASCII token: %d %s", r.status, r.body)
	}
	for _, table := range []string{"submissions", "dispatch", "problems"} {
		if n := e.count(table); n != 0 {
			t.Errorf("%s has %d rows after bad input only", table, n)
		}
	}
}

func hasField(pd apiv1.ProblemDetails, field string) bool {
	for _, fe := range pd.Errors {
		if fe.Field == field && fe.Message != "" {
			return true
		}
	}
	return false
}

// TestIdempotencyKeyBindsTheWholeRequest: the same key with the same body is a replay of the
// first submission; with any field different it is a 409 naming the key, and nothing is stored.
func TestIdempotencyKeyBindsTheWholeRequest(t *testing.T) {
	e := newEnv(t, envOpts{})
	pushProblem(t, e, "sum")
	post := func(key string, body any) resp {
		return e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: body, header: map[string]string{"Idempotency-Key": key}})
	}
	first := post("k1", adhoc())
	if first.status != http.StatusAccepted {
		t.Fatalf("first POST: %d %s", first.status, first.body)
	}
	id := decode[apiv1.SubmissionAccepted](t, first).ID
	// Same body, also with an explicit all-zero limits object: the same canonical request.
	zero := adhoc()
	zero.Limits = &apiv1.Limits{}
	for _, body := range []any{adhoc(), zero} {
		r := post("k1", body)
		if r.status != http.StatusAccepted || decode[apiv1.SubmissionAccepted](t, r).ID != id || r.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay: %d %s (Idempotent-Replayed %q)", r.status, r.body, r.header.Get("Idempotent-Replayed"))
		}
	}
	str := func(s string) *string { return &s }
	with := func(f func(*apiv1.SubmissionRequest)) apiv1.SubmissionRequest { r := adhoc(); f(&r); return r }
	for name, body := range map[string]apiv1.SubmissionRequest{
		"stdin":           with(func(r *apiv1.SubmissionRequest) { r.Stdin = str("2 3\n") }),
		"expected output": with(func(r *apiv1.SubmissionRequest) { r.ExpectedOutput = str("5\n") }),
		"no stdin":        with(func(r *apiv1.SubmissionRequest) { r.Stdin = nil }),
		"limits":          with(func(r *apiv1.SubmissionRequest) { r.Limits = &apiv1.Limits{TimeMS: 1000} }),
		"language":        with(func(r *apiv1.SubmissionRequest) { r.Language = "c" }),
		"source":          with(func(r *apiv1.SubmissionRequest) { r.Source += "\n" }),
		"problem":         {Language: "python3", Source: adhoc().Source, Problem: "sum"},
	} {
		t.Run(name, func(t *testing.T) {
			r := post("k1", body)
			if r.status != http.StatusConflict {
				t.Fatalf("same key, other %s: %d %s", name, r.status, r.body)
			}
			pd := r.problem(t)
			if pd.Type != apiv1.ErrTypeConflict || !hasField(pd, "Idempotency-Key") || !strings.Contains(pd.Detail, `"k1"`) {
				t.Errorf("problem %+v, want a conflict naming Idempotency-Key k1", pd)
			}
		})
	}
	if n := e.count("submissions"); n != 1 {
		t.Errorf("%d submissions, want 1", n)
	}
	// The Judge0 route binds the key the same way (the request is compared after decoding).
	j0 := map[string]any{"source_code": "print(1)", "language_id": 71, "stdin": "a"}
	r := e.do(req{method: "POST", path: "/judge0/submissions", token: e.sub, body: j0, header: map[string]string{"Idempotency-Key": "j"}})
	if r.status != http.StatusCreated {
		t.Fatalf("judge0 POST: %d %s", r.status, r.body)
	}
	j0["stdin"] = "b"
	r = e.do(req{method: "POST", path: "/judge0/submissions", token: e.sub, body: j0, header: map[string]string{"Idempotency-Key": "j"}})
	if r.status != http.StatusConflict || !hasField(r.problem(t), "Idempotency-Key") {
		t.Errorf("judge0 POST, same key, other stdin: %d %s", r.status, r.body)
	}
}

// pushProblem stores a minimal valid problem package under slug.
func pushProblem(t *testing.T, e *env, slug string) {
	t.Helper()
	r := e.do(req{method: "PUT", path: "/v1/problems/" + slug, token: e.admin, body: pack(t, sumPackage("4\n")),
		header: map[string]string{"Content-Type": "application/gzip"}})
	if r.status != http.StatusCreated {
		t.Fatalf("push %s: %d %s", slug, r.status, r.body)
	}
}

// cutAfterCreate is the real store for everything, except that the reads a ?wait= makes go over
// a TCP proxy that is cut the moment the submission is committed: the database "fails" exactly
// between the commit and the wait, for real (connection errors from lib/pq).
type cutAfterCreate struct {
	*store.Store
	waitStore *store.Store
	cut       func()
	statusErr atomic.Int32
}

func (c *cutAfterCreate) CreateSubmission(ctx context.Context, n store.NewSubmission) (store.Created, error) {
	created, err := c.Store.CreateSubmission(ctx, n)
	if err == nil {
		c.cut()
	}
	return created, err
}

func (c *cutAfterCreate) SubmissionStatus(ctx context.Context, id string) (string, error) {
	st, err := c.waitStore.SubmissionStatus(ctx, id)
	if err != nil {
		c.statusErr.Add(1)
	}
	return st, err
}

func (c *cutAfterCreate) GetSubmission(ctx context.Context, id string, withSource bool) (store.Submission, error) {
	return c.waitStore.GetSubmission(ctx, id, withSource)
}

// TestWaitAfterCommitNeverAnswers5xx: the database goes away between the commit of a
// submission and the end of its ?wait=. The answer is the submission (202 with its id), not a
// 503 that a client without an Idempotency-Key would retry into a duplicate.
func TestWaitAfterCommitNeverAnswers5xx(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, tc := range []struct {
		name, path string
		body       any
		status     int
	}{
		{"v1", "/v1/submissions?wait=30s", adhoc(), http.StatusAccepted},
		{"judge0", "/judge0/submissions?wait=true", map[string]any{"source_code": "print(1)", "language_id": 71}, http.StatusCreated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(e.st.DSN())
			if err != nil {
				t.Fatal(err)
			}
			p := startProxy(t, u.Host)
			u.Host = p.ln.Addr().String()
			ws, err := store.Open(context.Background(), u.String())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ws.Close() })
			fault := &cutAfterCreate{Store: e.st, waitStore: ws, cut: p.cut}
			reg := prometheus.NewRegistry()
			langs, _ := lang.Load("")
			a, err := api.New(api.Deps{Store: fault, Languages: langs, Registry: reg, PollInterval: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(a.Close)
			srv := httptest.NewServer(a.Handler())
			t.Cleanup(srv.Close)
			faulty := &env{t: t, st: e.st, srv: srv}
			before := e.count("submissions")

			r := faulty.do(req{method: "POST", path: tc.path, token: e.sub, body: tc.body})
			if r.status != tc.status {
				t.Fatalf("POST with the database lost while waiting: %d %s, want %d", r.status, r.body, tc.status)
			}
			var id string
			if tc.name == "v1" {
				acc := decode[apiv1.SubmissionAccepted](t, r)
				id = acc.ID
				if acc.Status != apiv1.StatusQueued || r.header.Get("Location") != "/v1/submissions/"+id {
					t.Errorf("answer %+v (Location %q)", acc, r.header.Get("Location"))
				}
			} else {
				id = decode[map[string]any](t, r)["token"].(string)
			}
			// The fault path ran: the wait's status read failed, and the metric counted it.
			if n := fault.statusErr.Load(); n == 0 {
				t.Error("the wait never saw a database error: the fault was not injected")
			}
			if v := faulty.metric("judge_api_wait_errors_total"); v != 1 {
				t.Errorf("judge_api_wait_errors_total = %v, want 1", v)
			}
			if n := e.count("submissions"); n != before+1 {
				t.Errorf("%d submissions, want %d", n, before+1)
			}
			if _, err := e.st.SubmissionStatus(context.Background(), id); err != nil {
				t.Errorf("the answered id %q is not stored: %v", id, err)
			}
		})
	}
}

// TestConcurrencyCaps: beyond MaxStreams an event stream is a 503 problem+json with
// Retry-After; beyond MaxWaits a POST ?wait= is answered at once with 202, without waiting.
func TestConcurrencyCaps(t *testing.T) {
	e := newEnv(t, envOpts{limits: api.Limits{MaxStreams: 1, MaxWaits: 1}})
	id := e.submit(e.sub)
	evs, res := openStream(t, e, e.sub, id, 0)
	if res.StatusCode != 200 {
		t.Fatalf("first stream: %d", res.StatusCode)
	}
	next(t, evs) // the stream is open and holds the only slot
	r := e.do(req{method: "GET", path: "/v1/submissions/" + id + "/events", token: e.sub})
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || r.problem(t).Type != apiv1.ErrTypeUnavailable {
		t.Errorf("second stream: %d (Retry-After %q) %s", r.status, r.header.Get("Retry-After"), r.body)
	}

	// Hold the only wait slot with a wait that nothing ends.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		hr, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/v1/submissions/"+id+"?wait=60s", nil)
		hr.Header.Set("Authorization", "Bearer "+e.sub)
		if res, err := http.DefaultClient.Do(hr); err == nil {
			res.Body.Close()
		}
	}()
	waitFor(t, func() bool { return e.metric("judge_api_waits") == 1 })
	// The client gives up long before a 60 s wait could end: only an answer without waiting
	// arrives in time.
	cctx, ccancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer ccancel()
	hr, _ := http.NewRequestWithContext(cctx, "POST", e.srv.URL+"/v1/submissions?wait=60s", strings.NewReader(`{"language":"python3","source":"print(1)"}`))
	hr.Header.Set("Authorization", "Bearer "+e.sub)
	hr.Header.Set("Content-Type", "application/json")
	res2, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatalf("POST ?wait= with the wait cap full: %v", err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusAccepted {
		t.Errorf("POST ?wait= with the wait cap full: %d, want 202", res2.StatusCode)
	}
	if v := e.metric("judge_api_concurrency_capped_total"); v != 2 {
		t.Errorf("judge_api_concurrency_capped_total = %v, want 2 (one stream, one wait)", v)
	}
	cancel()
	wg.Wait()
}

// metric sums a metric of e's API from /metrics.
func (e *env) metric(name string) float64 {
	e.t.Helper()
	r := e.do(req{method: "GET", path: "/metrics"})
	var sum float64
	for _, line := range strings.Split(string(r.body), "\n") {
		if strings.HasPrefix(line, name+" ") || strings.HasPrefix(line, name+"{") {
			var v float64
			f := strings.Fields(line)
			if _, err := fmt.Sscan(f[len(f)-1], &v); err == nil {
				sum += v
			}
		}
	}
	return sum
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStreamShowsOnlyTheFinalAttempt: attempt 1 streams a test and is re-queued; its worker,
// late, reports another test; attempt 2 finishes; attempt 2's worker, late, reports one more.
// The late events are never stored, and a stream shows attempt 2's events only, ending at done.
func TestStreamShowsOnlyTheFinalAttempt(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	id := e.submit(e.sub)
	test := func(name string) store.TestResult {
		return store.TestResult{Index: 1, Name: name, Verdict: apiv1.VerdictAC}
	}
	c1, ok, err := e.st.ClaimSubmission(ctx, id, 1, "w1", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim attempt 1: %v %v", ok, err)
	}
	if err := e.st.AppendTestEvent(ctx, c1.Claim, test("a1")); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.st.Requeue(ctx, c1.Claim, store.JudgeFault, "test"); err != nil || !ok {
		t.Fatalf("requeue: %v %v", ok, err)
	}
	if err := e.st.AppendTestEvent(ctx, c1.Claim, test("late1")); err != nil {
		t.Fatal(err)
	}
	c2, ok, err := e.st.ClaimSubmission(ctx, id, 2, "w2", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim attempt 2: %v %v", ok, err)
	}
	if err := e.st.AppendTestEvent(ctx, c2.Claim, test("a2")); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.st.FinishSubmission(ctx, c2.Claim, store.Verdict{Verdict: apiv1.VerdictAC, Tests: []store.TestResult{test("a2")}}); err != nil || !ok {
		t.Fatalf("finish: %v %v", ok, err)
	}
	if err := e.st.AppendTestEvent(ctx, c2.Claim, test("late2")); err != nil {
		t.Fatal(err)
	}
	var late int
	if err := e.st.DB().QueryRow(`SELECT count(*) FROM submission_events WHERE payload->'test'->>'name' LIKE 'late%'`).Scan(&late); err != nil || late != 0 {
		t.Errorf("%d late events stored (%v), want 0", late, err)
	}

	evs, res := openStream(t, e, e.sub, id, 0)
	if res.StatusCode != 200 {
		t.Fatalf("stream: %d", res.StatusCode)
	}
	var got []string
	for ev := range evs {
		if ev.data.Attempt != 2 {
			t.Errorf("event %s %s of attempt %d, want only attempt 2", ev.id, ev.typ, ev.data.Attempt)
		}
		name := ev.typ
		if ev.data.Test != nil {
			name += ":" + ev.data.Test.Name
		}
		got = append(got, name)
	}
	want := []string{"status", "status", "test:a2", "done"} // queued (attempt 2), running, a2, done
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("stream %v, want %v", got, want)
	}
}

// TestPackageTextWithNULIs422: YAML can spell a NUL ("\0"); a package whose name or settings
// carry one is refused before PostgreSQL sees it.
func TestPackageTextWithNULIs422(t *testing.T) {
	e := newEnv(t, envOpts{})
	for name, yaml := range map[string]string{
		"name":            "name: \"Sum\\0\"\n",
		"validator flags": "name: Sum\nvalidator_flags: \"a\\0b\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			files := sumPackage("4\n")
			files["problem.yaml"] = yaml
			r := e.do(req{method: "PUT", path: "/v1/problems/nul", token: e.admin, body: pack(t, files), header: map[string]string{"Content-Type": "application/gzip"}})
			if r.status != http.StatusUnprocessableEntity || !hasField(r.problem(t), "problem.yaml") {
				t.Errorf("%d %s, want 422 naming problem.yaml", r.status, r.body)
			}
		})
	}
	if n := e.count("problems"); n != 0 {
		t.Errorf("%d problems stored", n)
	}
}
