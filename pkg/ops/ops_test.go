package ops

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

func TestReadyzReportsEveryRole(t *testing.T) {
	tests := []struct {
		name     string
		checks   map[string]Check
		wantCode int
		want     []string
	}{
		{"no role yet", nil, 503, []string{`"status":"not ready"`}},
		{"all ready", map[string]Check{
			"relay": func(context.Context) Readiness {
				return Readiness{Ready: true, Detail: map[string]string{"state": "leader"}}
			},
			"worker": func(context.Context) Readiness { return Readiness{Ready: true} },
		}, 200, []string{`"status":"ready"`, `"relay":{"ready":true,"detail":{"state":"leader"}}`, `"worker":{"ready":true}`}},
		{"one not ready", map[string]Check{
			"api":    func(context.Context) Readiness { return Readiness{Ready: true} },
			"worker": func(context.Context) Readiness { return Readiness{Reason: "consumption paused"} },
		}, 503, []string{`"status":"not ready"`, `"api":{"ready":true}`, `"worker":{"ready":false,"reason":"consumption paused"}`}},
		{"a check past its deadline", map[string]Check{
			"relay": func(ctx context.Context) Readiness {
				<-ctx.Done()
				return Readiness{Reason: ctx.Err().Error()}
			},
		}, 503, []string{`"reason":"context deadline exceeded"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(prometheus.NewRegistry(), nil)
			for role, c := range tt.checks {
				s.AddCheck(role, c)
			}
			code, body := get(t, s.Handler(), "/readyz")
			if code != tt.wantCode {
				t.Errorf("code %d, want %d; body %s", code, tt.wantCode, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s:\n%s", w, body)
				}
			}
			var rep Report
			if err := json.Unmarshal([]byte(body), &rep); err != nil {
				t.Fatalf("body is not a Report: %v", err)
			}
			if len(rep.Roles) != len(tt.checks) {
				t.Errorf("%d roles reported, want %d", len(rep.Roles), len(tt.checks))
			}
		})
	}
}

func TestMetricsHealthzAndUnknownPaths(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "judge_test_total", Help: "test"})
	reg.MustRegister(c)
	c.Add(3)
	h := New(reg, nil).Handler()
	if code, body := get(t, h, "/metrics"); code != 200 || !strings.Contains(body, "judge_test_total 3") {
		t.Errorf("/metrics: %d %s", code, body)
	}
	if code, body := get(t, h, "/healthz"); code != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("/healthz: %d %s", code, body)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/submissions", nil))
	if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" || !strings.Contains(rec.Body.String(), "/readyz") {
		t.Errorf("unknown path: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}

func TestServeStopsWithItsContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(prometheus.NewRegistry(), nil).Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return within 10s of cancel")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("the listener still answers after Serve returned")
	}
}
