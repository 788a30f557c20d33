package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/store"
)

func TestStats(t *testing.T) {
	e := newEnv(t, envOpts{})
	a, b, c := e.submit(e.sub), e.submit(e.sub), e.submit(e.sub)
	e.finish(a, apiv1.VerdictAC)
	e.finish(b, apiv1.VerdictTLE)
	if _, err := e.st.DB().Exec(`UPDATE submissions SET status = 'running' WHERE id = $1`, c); err != nil {
		t.Fatal(err)
	}
	e.submit(e.sub)
	if _, err := e.st.DB().Exec(`INSERT INTO workers (name, slots, heartbeat_at) VALUES ('w1', 2, now()), ('w2', 2, now() - interval '1 minute');
		INSERT INTO relay_state (id, holder, lag_ms) VALUES (1, 'r', 42)`); err != nil {
		t.Fatal(err)
	}
	r := e.do(req{method: "GET", path: "/v1/stats", token: e.viewer})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	st := decode[apiv1.Stats](t, r)
	want := apiv1.Stats{Queued: 1, Running: 1, DoneLastMin: 2, WorkersAlive: 1, RelayLagMS: 42}
	if st.Queued != want.Queued || st.Running != want.Running || st.DoneLastMin != want.DoneLastMin ||
		st.WorkersAlive != want.WorkersAlive || st.RelayLagMS != want.RelayLagMS ||
		st.VerdictCounts["AC"] != 1 || st.VerdictCounts["TLE"] != 1 || len(st.VerdictCounts) != 2 {
		t.Errorf("stats = %+v, want %+v with AC 1, TLE 1", st, want)
	}

	m := e.do(req{method: "GET", path: "/metrics"})
	for _, want := range []string{
		`judge_api_request_duration_seconds_count{code="200",route="GET /v1/stats"} 1`,
		`judge_stats_queue_depth{status="queued"} 1`,
		`judge_stats_verdicts{verdict="TLE"} 1`,
		`judge_stats_workers_alive 1`,
		`judge_api_submissions_accepted_total 4`,
	} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestLanguagesHealthAndUnknownRoute(t *testing.T) {
	e := newEnv(t, envOpts{})
	l := decode[apiv1.LanguageList](t, e.do(req{method: "GET", path: "/v1/languages", token: e.viewer}))
	langs, _ := lang.Load("")
	if len(l.Items) != len(langs.All()) || len(l.Items) == 0 {
		t.Fatalf("%d languages, want %d", len(l.Items), len(langs.All()))
	}
	for _, it := range l.Items {
		if it.ID == "c" && (!it.Compiled || len(it.Extensions) == 0 || it.Name == "") {
			t.Errorf("c = %+v", it)
		}
		if it.ID == "python3" && it.Compiled {
			t.Errorf("python3 listed as compiled")
		}
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.do(req{method: "GET", path: p}); r.status != 200 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	r := e.do(req{method: "GET", path: "/v2/nothing", token: e.admin})
	if r.status != 404 || r.problem(t).Type != apiv1.ErrTypeNotFound {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
}

// proxy forwards TCP to target until cut, which also drops every open connection: PostgreSQL
// going away, as the API sees it.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	t.Cleanup(p.cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

func TestDatabaseDownIs503(t *testing.T) {
	e := newEnv(t, envOpts{})
	u, err := url.Parse(e.st.DSN())
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	st, err := store.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	langs, _ := lang.Load("")
	a, err := api.New(api.Deps{Store: st, Languages: langs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	down := &env{t: t, st: e.st, srv: srv}

	if r := down.do(req{method: "GET", path: "/readyz"}); r.status != 200 {
		t.Fatalf("readyz before the outage: %d", r.status)
	}
	p.cut()
	for _, rq := range []req{
		{method: "POST", path: "/v1/submissions", token: e.sub, body: adhoc()},
		{method: "GET", path: "/v1/submissions", token: e.sub},
		{method: "GET", path: "/v1/stats", token: e.sub},
		{method: "GET", path: "/readyz"},
	} {
		r := down.do(rq)
		if r.status != http.StatusServiceUnavailable || r.problem(t).Type != apiv1.ErrTypeUnavailable || r.header.Get("Retry-After") == "" {
			t.Errorf("%s %s with the database down: %d %s", rq.method, rq.path, r.status, r.body)
		}
	}
	if r := down.do(req{method: "GET", path: "/healthz"}); r.status != 200 {
		t.Errorf("healthz with the database down: %d, want 200 (the process is up)", r.status)
	}
	if n := e.count("submissions"); n != 0 {
		t.Errorf("%d submissions stored", n)
	}
}

// panicStore authenticates everyone as admin, has no published language versions and panics
// on Stats.
type panicStore struct{ api.Store }

func (panicStore) LanguageVersions(context.Context) ([]store.LanguageVersion, error) { return nil, nil }

func (panicStore) Authenticate(context.Context, string) (store.Token, error) {
	return store.Token{ID: 1, Name: "x", Role: "admin"}, nil
}
func (panicStore) Stats(context.Context) (store.Stats, error) { panic("boom") }

func TestPanicBecomes500(t *testing.T) {
	langs, _ := lang.Load("")
	a, err := api.New(api.Deps{Store: panicStore{}, Languages: langs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv}
	r := e.do(req{method: "GET", path: "/v1/stats", token: "any"})
	if r.status != 500 || r.problem(t).Type != apiv1.ErrTypeInternal || strings.Contains(string(r.body), "boom") {
		t.Errorf("panic: %d %s", r.status, r.body)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, c := range []struct{ method, path, allow string }{
		{"DELETE", "/v1/submissions", "POST, GET"},
		{"POST", "/v1/problems/sum", "GET, PUT"},
		{"POST", "/healthz", "GET"},
	} {
		r := e.do(req{method: c.method, path: c.path, token: e.admin})
		if r.status != http.StatusMethodNotAllowed || r.problem(t).Type != apiv1.ErrTypeMethodNotAllowed || r.header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d Allow %q %s; want 405 Allow %q", c.method, c.path, r.status, r.header.Get("Allow"), r.body, c.allow)
		}
	}
	if r := e.do(req{method: "HEAD", path: "/healthz"}); r.status != 200 {
		t.Errorf("HEAD /healthz: %d", r.status)
	}
}
