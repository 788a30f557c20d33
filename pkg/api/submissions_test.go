package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

func TestCreateAndGetSubmission(t *testing.T) {
	e := newEnv(t, envOpts{})
	r := e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: adhoc()})
	if r.status != http.StatusAccepted {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	acc := decode[apiv1.SubmissionAccepted](t, r)
	if acc.ID == "" || acc.Status != apiv1.StatusQueued || acc.Location != "/v1/submissions/"+acc.ID || r.header.Get("Location") != acc.Location {
		t.Errorf("accepted = %+v, Location %q", acc, r.header.Get("Location"))
	}
	// One submission, its outbox row and its first event, written together.
	var attempt int
	var language string
	if err := e.st.DB().QueryRow(`SELECT attempt, language FROM dispatch WHERE submission_id = $1`, acc.ID).Scan(&attempt, &language); err != nil || attempt != 1 || language != "python3" {
		t.Errorf("dispatch row: attempt %d language %q err %v", attempt, language, err)
	}
	if n := e.count("submission_events"); n != 1 {
		t.Errorf("%d events, want the queued status event", n)
	}

	r = e.do(req{method: "GET", path: "/v1/submissions/" + acc.ID, token: e.sub})
	if r.status != http.StatusOK {
		t.Fatalf("GET: %d %s", r.status, r.body)
	}
	sub := decode[apiv1.Submission](t, r)
	want := apiv1.Limits{TimeMS: 2000, MemoryKB: 256 << 10, OutputKB: 64 << 10}
	if sub.Owner != "alice" || sub.Status != apiv1.StatusQueued || sub.Language != "python3" || sub.Limits != want ||
		sub.Attempt != 1 || len(sub.SourceSHA256) != 64 || sub.Source != "" {
		t.Errorf("GET = %+v", sub)
	}

	// Limits in the request override the defaults.
	in := adhoc()
	in.Limits = &apiv1.Limits{TimeMS: 500}
	r = e.do(req{method: "POST", path: "/v1/submissions", token: e.admin, body: in})
	sub = decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + decode[apiv1.SubmissionAccepted](t, r).ID, token: e.admin}))
	if sub.Limits.TimeMS != 500 || sub.Limits.MemoryKB != 256<<10 {
		t.Errorf("limits = %+v, want time 500 and default memory", sub.Limits)
	}
}

func TestCreateSubmissionRejectsBadInput(t *testing.T) {
	e := newEnv(t, envOpts{})
	big := strings.Repeat("x", 256<<10+1)
	bigStdin := strings.Repeat("1", 512<<10+1)
	withStdin := func(in string) apiv1.SubmissionRequest { r := adhoc(); r.Stdin = &in; return r }
	tests := []struct {
		name   string
		body   any
		header map[string]string
		query  string
		status int
		typ    string
		field  string
	}{
		{"not JSON", "{language:", nil, "", 400, apiv1.ErrTypeBadRequest, ""},
		{"empty body", "", nil, "", 400, apiv1.ErrTypeBadRequest, ""},
		{"two values", `{"language":"c","source":"x"} {}`, nil, "", 400, apiv1.ErrTypeBadRequest, ""},
		{"unknown field", `{"language":"c","source":"int main(){}","lang":"c"}`, nil, "", 400, apiv1.ErrTypeBadRequest, ""},
		{"wrong type", `{"language":"c","source":42}`, nil, "", 400, apiv1.ErrTypeBadRequest, ""},
		{"missing language", apiv1.SubmissionRequest{Source: "x"}, nil, "", 422, apiv1.ErrTypeValidation, "language"},
		{"unknown language", apiv1.SubmissionRequest{Language: "intercal", Source: "x"}, nil, "", 422, apiv1.ErrTypeValidation, "language"},
		{"blank source", apiv1.SubmissionRequest{Language: "c", Source: "  \n"}, nil, "", 422, apiv1.ErrTypeValidation, "source"},
		{"NUL in source", apiv1.SubmissionRequest{Language: "c", Source: "a\x00b"}, nil, "", 422, apiv1.ErrTypeValidation, "source"},
		{"unknown problem", apiv1.SubmissionRequest{Language: "c", Source: "x", Problem: "nope"}, nil, "", 422, apiv1.ErrTypeValidation, "problem"},
		{"source too large", apiv1.SubmissionRequest{Language: "c", Source: big}, nil, "", 413, apiv1.ErrTypeTooLarge, "source"},
		{"stdin too large", withStdin(bigStdin), nil, "", 413, apiv1.ErrTypeTooLarge, "stdin"},
		{"body too large", apiv1.SubmissionRequest{Language: "c", Source: "x", Stdin: &bigStdin, ExpectedOutput: &bigStdin}, nil, "", 413, apiv1.ErrTypeTooLarge, ""},
		{"negative limit", apiv1.SubmissionRequest{Language: "c", Source: "x", Limits: &apiv1.Limits{TimeMS: -1}}, nil, "", 422, apiv1.ErrTypeValidation, "limits.time_ms"},
		{"limit above max", apiv1.SubmissionRequest{Language: "c", Source: "x", Limits: &apiv1.Limits{MemoryKB: 1 << 30}}, nil, "", 422, apiv1.ErrTypeValidation, "limits.memory_kb"},
		{"wrong content type", adhoc(), map[string]string{"Content-Type": "text/plain"}, "", 415, apiv1.ErrTypeUnsupportedType, ""},
		{"bad idempotency key", adhoc(), map[string]string{"Idempotency-Key": "has space"}, "", 400, apiv1.ErrTypeBadRequest, ""},
		{"bad wait", adhoc(), nil, "?wait=forever", 400, apiv1.ErrTypeBadRequest, ""},
		{"wait too long", adhoc(), nil, "?wait=2h", 400, apiv1.ErrTypeBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(req{method: "POST", path: "/v1/submissions" + tt.query, token: e.sub, body: tt.body, header: tt.header})
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			pd := r.problem(t)
			if pd.Type != tt.typ || pd.Detail == "" {
				t.Errorf("problem = %+v, want type %s with a detail", pd, tt.typ)
			}
			if tt.field != "" && (len(pd.Errors) == 0 || pd.Errors[0].Field != tt.field || pd.Errors[0].Message == "") {
				t.Errorf("errors = %+v, want field %s first", pd.Errors, tt.field)
			}
		})
	}
	for _, table := range []string{"submissions", "dispatch", "submission_events"} {
		if n := e.count(table); n != 0 {
			t.Errorf("%s has %d rows after bad input only", table, n)
		}
	}
}

func TestAuthAndRoles(t *testing.T) {
	e := newEnv(t, envOpts{})
	tests := []struct {
		name          string
		method, path  string
		authorization string
		status        int
		typ           string
	}{
		{"no token", "GET", "/v1/stats", "", 401, apiv1.ErrTypeUnauthorized},
		{"unknown token", "GET", "/v1/stats", "Bearer jdg_nope", 401, apiv1.ErrTypeUnauthorized},
		{"not bearer", "GET", "/v1/stats", "Basic " + e.admin, 401, apiv1.ErrTypeUnauthorized},
		{"viewer cannot submit", "POST", "/v1/submissions", "Bearer " + e.viewer, 403, apiv1.ErrTypeForbidden},
		{"submitter cannot push problems", "PUT", "/v1/problems/x", "Bearer " + e.sub, 403, apiv1.ErrTypeForbidden},
		{"viewer cannot push problems", "PUT", "/v1/problems/x", "Bearer " + e.viewer, 403, apiv1.ErrTypeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"Authorization": tt.authorization}
			r := e.do(req{method: tt.method, path: tt.path, body: adhoc(), header: h})
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if pd := r.problem(t); pd.Type != tt.typ {
				t.Errorf("type %s, want %s", pd.Type, tt.typ)
			}
		})
	}
	if n := e.count("submissions"); n != 0 {
		t.Errorf("%d submissions stored by refused requests", n)
	}
	// A revoked token stops working at once.
	if _, err := e.st.RevokeToken(t.Context(), "eve"); err != nil {
		t.Fatal(err)
	}
	if r := e.do(req{method: "GET", path: "/v1/stats", token: e.viewer}); r.status != 401 {
		t.Errorf("revoked token: %d", r.status)
	}
}

func TestOwnership(t *testing.T) {
	e := newEnv(t, envOpts{})
	mine := e.submit(e.sub)
	theirs := e.submit(e.sub2)
	get := func(token, id, query string) int {
		return e.do(req{method: "GET", path: "/v1/submissions/" + id + query, token: token}).status
	}
	for _, c := range []struct {
		who, token, id, query string
		want                  int
	}{
		{"owner", e.sub, mine, "", 200},
		{"other submitter", e.sub2, mine, "", 404},
		{"other submitter's events", e.sub2, mine, "/events", 404},
		{"viewer", e.viewer, mine, "", 200},
		{"admin", e.admin, theirs, "", 200},
		{"owner with source", e.sub, mine, "?include=source", 200},
		{"admin with source", e.admin, mine, "?include=source", 200},
		{"viewer with source", e.viewer, mine, "?include=source", 403},
		{"bad include", e.sub, mine, "?include=everything", 400},
		{"not a uuid", e.sub, "123", "", 404},
		{"unknown uuid", e.admin, "00000000-0000-0000-0000-000000000000", "", 404},
	} {
		if got := get(c.token, c.id, c.query); got != c.want {
			t.Errorf("%s: GET %s%s = %d, want %d", c.who, c.id, c.query, got, c.want)
		}
	}
	src := decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + mine + "?include=source", token: e.sub}))
	if src.Source != adhoc().Source {
		t.Errorf("source = %q", src.Source)
	}
	list := decode[apiv1.SubmissionList](t, e.do(req{method: "GET", path: "/v1/submissions", token: e.sub}))
	if len(list.Items) != 1 || list.Items[0].ID != mine {
		t.Errorf("submitter's list = %+v, want only its own", list.Items)
	}
	// Asking for someone else's does not widen it.
	list = decode[apiv1.SubmissionList](t, e.do(req{method: "GET", path: "/v1/submissions?owner=bob", token: e.sub}))
	if len(list.Items) != 0 {
		t.Errorf("submitter sees bob's: %+v", list.Items)
	}
	list = decode[apiv1.SubmissionList](t, e.do(req{method: "GET", path: "/v1/submissions", token: e.viewer}))
	if len(list.Items) != 2 {
		t.Errorf("viewer's list has %d items, want 2", len(list.Items))
	}
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t, envOpts{})
	const n = 8
	ids := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.try(req{method: "POST", path: "/v1/submissions", token: e.sub, body: adhoc(), header: map[string]string{"Idempotency-Key": "retry-1"}})
			if err != nil {
				t.Error(err)
				return
			}
			codes[i] = r.status
			var acc apiv1.SubmissionAccepted
			if err := json.Unmarshal(r.body, &acc); err != nil {
				t.Errorf("POST %d: %v: %s", i, err, r.body)
			}
			ids[i] = acc.ID
		}()
	}
	wg.Wait()
	for i := range n {
		if codes[i] != http.StatusAccepted || ids[i] != ids[0] {
			t.Errorf("POST %d: %d id %q, want 202 with %q", i, codes[i], ids[i], ids[0])
		}
	}
	for _, table := range []string{"submissions", "dispatch"} {
		if c := e.count(table); c != 1 {
			t.Errorf("%s has %d rows after %d duplicate POSTs, want 1", table, c, n)
		}
	}
	// The same key from another owner is another submission.
	r := e.do(req{method: "POST", path: "/v1/submissions", token: e.sub2, body: adhoc(), header: map[string]string{"Idempotency-Key": "retry-1"}})
	if r.status != http.StatusAccepted || decode[apiv1.SubmissionAccepted](t, r).ID == ids[0] {
		t.Errorf("other owner, same key: %d %s", r.status, r.body)
	}
	// The same key for a different request is a conflict, and stores nothing.
	other := adhoc()
	other.Source = "print(3)\n"
	r = e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: other, header: map[string]string{"Idempotency-Key": "retry-1"}})
	if r.status != http.StatusConflict || r.problem(t).Type != apiv1.ErrTypeConflict {
		t.Errorf("reused key, other body: %d %s", r.status, r.body)
	}
	if c := e.count("submissions"); c != 2 {
		t.Errorf("%d submissions, want 2", c)
	}
}

func TestListCursorAndFilters(t *testing.T) {
	e := newEnv(t, envOpts{})
	var ids []string
	for range 7 {
		ids = append(ids, e.submit(e.sub))
	}
	e.finish(ids[2], apiv1.VerdictAC)
	e.finish(ids[4], apiv1.VerdictWA)
	var got []string
	cursor := ""
	pages := 0
	for {
		path := "/v1/submissions?limit=3"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := e.do(req{method: "GET", path: path, token: e.viewer})
		if r.status != http.StatusOK {
			t.Fatalf("page %d: %d %s", pages, r.status, r.body)
		}
		l := decode[apiv1.SubmissionList](t, r)
		pages++
		for _, s := range l.Items {
			got = append(got, s.ID)
		}
		if l.NextCursor == "" {
			break
		}
		if pages > 5 {
			t.Fatal("cursor does not end")
		}
		cursor = l.NextCursor
	}
	if pages != 3 || len(got) != 7 {
		t.Fatalf("%d pages, %d items; want 3 pages of 7 items", pages, len(got))
	}
	for i := range got { // newest first
		if got[i] != ids[len(ids)-1-i] {
			t.Fatalf("order %v, want reverse of %v", got, ids)
		}
	}
	for _, c := range []struct {
		query string
		want  int
	}{
		{"status=done", 2}, {"status=queued", 5}, {"verdict=AC", 1}, {"verdict=WA&status=done", 1},
		{"owner=alice", 7}, {"owner=bob", 0}, {"problem=none", 0},
	} {
		l := decode[apiv1.SubmissionList](t, e.do(req{method: "GET", path: "/v1/submissions?" + c.query, token: e.admin}))
		if len(l.Items) != c.want {
			t.Errorf("?%s: %d items, want %d", c.query, len(l.Items), c.want)
		}
	}
	for _, q := range []string{"status=finished", "verdict=OK", "limit=0", "limit=1000", "cursor=garbage", "sort=asc"} {
		r := e.do(req{method: "GET", path: "/v1/submissions?" + q, token: e.admin})
		if r.status != http.StatusBadRequest {
			t.Errorf("?%s: %d, want 400", q, r.status)
		} else {
			r.problem(t)
		}
	}
}

func TestGetShowsResultsAndHidesSecretData(t *testing.T) {
	e := newEnv(t, envOpts{})
	id := e.submit(e.sub)
	e.finish(id, apiv1.VerdictWA,
		store.TestResult{Index: 1, Name: "sample/1", Group: "sample", Verdict: "AC", TimeMS: 3, WallMS: 5, MemoryKB: 900, Stdout: "3\n", Input: "1 2\n", Expected: "3\n"},
		store.TestResult{Index: 2, Name: "secret/1", Group: "secret", Hidden: true, Verdict: "WA", TimeMS: 4, WallMS: 6, MemoryKB: 901, Stdout: "41\n", Stderr: "dbg", Feedback: "expected 42", Input: "secret in 40", Expected: "secret ans 42"},
	)
	sub := decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + id, token: e.sub}))
	if sub.Status != apiv1.StatusDone || sub.Verdict != apiv1.VerdictWA || len(sub.Tests) != 2 {
		t.Fatalf("submission = %+v", sub)
	}
	if s := sub.Tests[0]; s.Stdout != "3\n" || s.Hidden || s.Input != "1 2\n" || s.Expected != "3\n" {
		t.Errorf("sample test = %+v, want its output shown", s)
	}
	if h := sub.Tests[1]; h.Stdout != "" || h.Stderr != "" || h.Feedback != "" || h.Verdict != "WA" || h.TimeMS != 4 || h.MemoryKB != 901 {
		t.Errorf("hidden test = %+v, want verdict, time and memory only", h)
	}
	if raw := string(e.do(req{method: "GET", path: "/v1/submissions/" + id, token: e.admin}).body); strings.Contains(raw, "expected 42") || strings.Contains(raw, "dbg") || strings.Contains(raw, "secret in") || strings.Contains(raw, "secret ans") {
		t.Errorf("hidden data leaked to admin view: %s", raw)
	}
}

func TestProblemSubmissionUsesLatestVersion(t *testing.T) {
	e := newEnv(t, envOpts{})
	seedProblem(t, e, "sum", 1, 1000)
	seedProblem(t, e, "sum", 2, 3000)
	r := e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: apiv1.SubmissionRequest{Language: "c", Source: "int main(){}", Problem: "sum"}})
	if r.status != http.StatusAccepted {
		t.Fatalf("%d %s", r.status, r.body)
	}
	id := decode[apiv1.SubmissionAccepted](t, r).ID
	sub := decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + id, token: e.sub}))
	if sub.Problem != "sum" || sub.ProblemVersion != 2 || sub.Limits.TimeMS != 3000 {
		t.Errorf("submission = %+v, want problem sum v2 with its 3000 ms limit", sub)
	}
	var problem string
	if err := e.st.DB().QueryRow(`SELECT problem FROM dispatch WHERE submission_id = $1`, id).Scan(&problem); err != nil || problem != "sum" {
		t.Errorf("dispatch problem %q, %v", problem, err)
	}
	stdin := "x"
	r = e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: apiv1.SubmissionRequest{Language: "c", Source: "x", Problem: "sum", Stdin: &stdin}})
	if r.status != 422 {
		t.Errorf("problem + stdin: %d", r.status)
	}
	l := decode[apiv1.SubmissionList](t, e.do(req{method: "GET", path: "/v1/submissions?problem=sum", token: e.sub}))
	if len(l.Items) != 1 {
		t.Errorf("?problem=sum: %d items", len(l.Items))
	}
}

// seedProblem stores a problem version directly, with one sample and one secret test.
func seedProblem(t *testing.T, e *env, slug string, version, timeMS int) {
	t.Helper()
	db := e.st.DB()
	blob := fmt.Sprintf("pkg-%s-%d", slug, version)
	if _, err := db.Exec(`INSERT INTO blobs (sha256, size, data) VALUES ($1, 1, 'x') ON CONFLICT DO NOTHING`, blob); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.QueryRow(`INSERT INTO problems (slug, version, name, package_sha256, time_limit_ms, memory_kb, output_kb)
		VALUES ($1, $2, 'Sum', $3, $4, 262144, 8192) RETURNING id`, slug, version, blob, timeMS).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO testcases (problem_id, ordinal, name, test_group, hidden)
		VALUES ($1, 1, 'sample/1', 'sample', false), ($1, 2, 'secret/1', 'secret', true)`, id); err != nil {
		t.Fatal(err)
	}
}

func TestSubmitRateLimit(t *testing.T) {
	e := newEnv(t, envOpts{limits: api.Limits{SubmitRate: 0.01, SubmitBurst: 2}})
	e.submit(e.sub)
	e.submit(e.sub)
	r := e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: adhoc()})
	if r.status != http.StatusTooManyRequests || r.problem(t).Type != apiv1.ErrTypeRateLimited || r.header.Get("Retry-After") == "" {
		t.Errorf("third POST: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	e.submit(e.sub2) // another token has its own bucket
	if n := e.count("submissions"); n != 3 {
		t.Errorf("%d submissions, want 3 (the limited one not stored)", n)
	}
}

// TestProblemLimitsResolvedOnce: the limits are resolved when the submission is accepted and
// GET shows them; a submitter may lower the problem's limits, never raise them (a 422 naming
// the field and the maximum); an admin may raise them, up to the server's maximum.
func TestProblemLimitsResolvedOnce(t *testing.T) {
	e := newEnv(t, envOpts{})
	seedProblem(t, e, "sum", 1, 1000) // 1000 ms, 262144 KB, 8192 KB
	problem := apiv1.Limits{TimeMS: 1000, MemoryKB: 262144, OutputKB: 8192}
	tests := []struct {
		name   string
		admin  bool
		asked  *apiv1.Limits
		want   apiv1.Limits
		field  string // refused field; "" when accepted
		maxMsg string // the maximum the refusal names
	}{
		{name: "nothing asked: the problem's", want: problem},
		{name: "lowered", asked: &apiv1.Limits{TimeMS: 300, OutputKB: 100},
			want: apiv1.Limits{TimeMS: 300, MemoryKB: 262144, OutputKB: 100}},
		{name: "a field the problem leaves open", asked: &apiv1.Limits{WallTimeMS: 5000},
			want: apiv1.Limits{TimeMS: 1000, MemoryKB: 262144, OutputKB: 8192, WallTimeMS: 5000}},
		{name: "raised by a submitter", asked: &apiv1.Limits{TimeMS: 2000}, field: "limits.time_ms", maxMsg: "1000"},
		{name: "memory raised by a submitter", asked: &apiv1.Limits{MemoryKB: 262145}, field: "limits.memory_kb", maxMsg: "262144"},
		{name: "raised by an admin", admin: true, asked: &apiv1.Limits{TimeMS: 5000, MemoryKB: 524288},
			want: apiv1.Limits{TimeMS: 5000, MemoryKB: 524288, OutputKB: 8192}},
		{name: "an admin above the server's maximum", admin: true, asked: &apiv1.Limits{TimeMS: 15001}, field: "limits.time_ms", maxMsg: "15000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := e.sub
			if tc.admin {
				token = e.admin
			}
			before := e.count("submissions")
			r := e.do(req{method: "POST", path: "/v1/submissions", token: token,
				body: apiv1.SubmissionRequest{Language: "c", Source: "int main(){}", Problem: "sum", Limits: tc.asked}})
			if tc.field != "" {
				if r.status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422: %s", r.status, r.body)
				}
				pd := r.problem(t)
				if pd.Type != apiv1.ErrTypeValidation || len(pd.Errors) != 1 || pd.Errors[0].Field != tc.field || !strings.Contains(pd.Errors[0].Message, tc.maxMsg) {
					t.Errorf("problem = %+v, want %s refused naming the maximum %s", pd, tc.field, tc.maxMsg)
				}
				if n := e.count("submissions"); n != before {
					t.Errorf("a refused submission was stored (%d rows, had %d)", n, before)
				}
				return
			}
			if r.status != http.StatusAccepted {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			id := decode[apiv1.SubmissionAccepted](t, r).ID
			sub := decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + id, token: token}))
			if sub.Limits != tc.want {
				t.Errorf("GET limits = %+v, want %+v", sub.Limits, tc.want)
			}
			// What is stored is what the worker gets, resolved already.
			c, ok, err := e.st.ClaimSubmission(context.Background(), id, 1, "w", time.Minute)
			if err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			if got := (apiv1.Limits{TimeMS: c.Limits.TimeMS, MemoryKB: c.Limits.MemoryKB, OutputKB: c.Limits.OutputKB,
				WallTimeMS: c.Limits.WallTimeMS, Processes: c.Limits.Processes, FileSizeKB: c.Limits.FileSizeKB}); got != tc.want {
				t.Errorf("claimed limits = %+v, want %+v", c.Limits, tc.want)
			}
		})
	}
}

// TestJudge0LimitsWithinMaxima: a Judge0 submission has no problem, so a submitter's limits above
// the defaults are accepted within the server's maxima, and resolved and stored as for /v1.
func TestJudge0LimitsWithinMaxima(t *testing.T) {
	e := newEnv(t, envOpts{})
	r := e.do(req{method: "POST", path: "/judge0/submissions", token: e.sub,
		body: map[string]any{"source_code": "print(1)", "language_id": 71, "cpu_time_limit": 10, "memory_limit": 1048576, "max_processes_and_or_threads": 256}})
	if r.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	id := decode[map[string]string](t, r)["token"]
	sub := decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + id, token: e.sub}))
	if sub.Limits.TimeMS != 10000 || sub.Limits.MemoryKB != 1048576 || sub.Limits.Processes != 256 || sub.Limits.OutputKB != 64<<10 {
		t.Errorf("limits = %+v, want 10 s, 1 GiB, 256 processes and the default output limit", sub.Limits)
	}
}
