package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

var _ api.Store = (*store.Store)(nil)

// env is one API server on a fresh database, with a token per role.
type env struct {
	t      testing.TB
	st     *store.Store
	srv    *httptest.Server
	api    *api.Server
	admin  string
	sub    string // a submitter
	sub2   string // another submitter
	viewer string
}

// imageVersions stand for the versions `judged image build` records in the runtime images, which
// the workers publish in the database for the API (the table itself holds none).
var imageVersions = map[string]string{
	"c": "GCC 14.2.0", "cpp": "GCC 14.2.0", "python3": "Python 3.13.5", "java": "OpenJDK 21.0.13.1",
	"go": "Go 1.25.5", "bash": "Bash 5.2.37",
}

type envOpts struct {
	poll   time.Duration
	limits api.Limits
	store  api.Store // overrides the real store (for outage tests)
	judge0 api.Judge0Options
	// langRefresh is api.Deps.LanguagesRefresh.
	langRefresh time.Duration
}

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	st := storetest.New(t)
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutLanguageVersions(context.Background(), "test-worker", publishedVersions(imageVersions)); err != nil {
		t.Fatal(err)
	}
	l, err := store.NewListener(st.DSN(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	select {
	case <-l.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("listener not ready within 10s")
	}
	var s api.Store = st
	if o.store != nil {
		s = o.store
	}
	a, err := api.New(api.Deps{Store: s, Languages: langs, Events: l, Limits: o.limits, PollInterval: o.poll, Judge0: o.judge0,
		LanguagesRefresh: o.langRefresh})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(a.Close) // runs first: ends SSE streams so srv.Close does not wait on them
	e := &env{t: t, st: st, srv: srv, api: a}
	ctx := context.Background()
	for _, tk := range []struct {
		dst        *string
		name, role string
	}{{&e.admin, "root", "admin"}, {&e.sub, "alice", "submitter"}, {&e.sub2, "bob", "submitter"}, {&e.viewer, "eve", "viewer"}} {
		if _, *tk.dst, err = st.CreateToken(ctx, tk.name, tk.role); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// publishedVersions are versions as a worker publishes them.
func publishedVersions(v map[string]string) []store.LanguageVersion {
	out := make([]store.LanguageVersion, 0, len(v))
	for id, ver := range v {
		out = append(out, store.LanguageVersion{Language: id, Version: ver, Image: "judge-runtime-test:" + id})
	}
	return out
}

type req struct {
	method, path, token string
	body                any // string is sent as is, anything else as JSON
	header              map[string]string
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) problem(t testing.TB) apiv1.ProblemDetails {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body %s", ct, r.body)
	}
	var pd apiv1.ProblemDetails
	if err := json.Unmarshal(r.body, &pd); err != nil {
		t.Fatalf("decode problem: %v: %s", err, r.body)
	}
	if pd.Status != r.status {
		t.Errorf("problem status %d, HTTP status %d", pd.Status, r.status)
	}
	return pd
}

func (e *env) do(r req) resp {
	e.t.Helper()
	res, err := e.try(r)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// try is do for goroutines other than the test's, which must not call t.Fatal.
func (e *env) try(r req) (resp, error) {
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return resp{}, err
		}
		body = bytes.NewReader(data)
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+r.path, body)
	if err != nil {
		return resp{}, err
	}
	if r.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		return resp{}, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, fmt.Errorf("%s %s: read body: %w", r.method, r.path, err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: data}, nil
}

func decode[T any](t testing.TB, r resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, r.body)
	}
	return v
}

// submit posts a valid ad-hoc submission and returns its id.
func (e *env) submit(token string) string {
	e.t.Helper()
	r := e.do(req{method: "POST", path: "/v1/submissions", token: token, body: adhoc()})
	if r.status != http.StatusAccepted {
		e.t.Fatalf("submit: %d %s", r.status, r.body)
	}
	return decode[apiv1.SubmissionAccepted](e.t, r).ID
}

func adhoc() apiv1.SubmissionRequest {
	in, want := "1 2\n", "3\n"
	return apiv1.SubmissionRequest{Language: "python3", Source: "print(sum(map(int, input().split())))\n", Stdin: &in, ExpectedOutput: &want}
}

func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.st.DB().QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// finish does what a worker does at the end: results, the final row update and a done event,
// in one transaction.
func (e *env) finish(id, verdict string, tests ...store.TestResult) {
	e.t.Helper()
	ctx := context.Background()
	err := e.st.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range tests {
			if _, err := tx.ExecContext(ctx, `INSERT INTO results (submission_id, ordinal, name, test_group, hidden,
				verdict, time_ms, wall_ms, memory_kb, stdout, stderr, feedback, input, expected)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
				id, r.Index, r.Name, r.Group, r.Hidden, r.Verdict, r.TimeMS, r.WallMS, r.MemoryKB, r.Stdout, r.Stderr, r.Feedback, r.Input, r.Expected); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE submissions SET status = 'done', verdict = $2, time_ms = 12,
			started_at = now(), finished_at = now() WHERE id = $1`, id, verdict); err != nil {
			return err
		}
		_, err := store.AppendEvent(ctx, tx, id, store.Event{Type: store.EventDone})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// event appends one event as the worker would.
func (e *env) event(id string, ev store.Event) int64 {
	e.t.Helper()
	var seq int64
	err := e.st.Tx(context.Background(), func(tx *sql.Tx) error {
		var err error
		seq, err = store.AppendEvent(context.Background(), tx, id, ev)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}
