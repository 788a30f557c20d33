// Package ops owns the ops listener that every judged role serves, alone or several in one
// process: /metrics (the process's Prometheus registry), /healthz (the process answers; for a
// liveness probe) and /readyz (each role's readiness with the detail an operator needs to see
// why not; for a readiness probe and for people).
package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// checkTimeout bounds one role's readiness check: a probe answered late counts as failed.
const checkTimeout = 3 * time.Second

// shutdownGrace is how long scrapes in flight get when the process stops.
const shutdownGrace = 5 * time.Second

// Readiness is one role's answer: whether it does its work now, and what it saw.
type Readiness struct {
	Ready bool `json:"ready"`
	// Reason says why not, in words an operator can act on; empty when ready.
	Reason string `json:"reason,omitempty"`
	// Detail is the role's own state (leadership, probes, paused, refused languages).
	Detail any `json:"detail,omitempty"`
}

// Check reports one role's readiness; ctx carries the check's deadline.
type Check func(ctx context.Context) Readiness

// Report is the body of /readyz.
type Report struct {
	// Status is "ready" when every role is, else "not ready".
	Status string               `json:"status"`
	Roles  map[string]Readiness `json:"roles"`
}

// Server answers the ops endpoints of one process. Roles add their checks as they are built.
type Server struct {
	reg *prometheus.Registry
	log *slog.Logger

	mu     sync.Mutex
	checks map[string]Check
}

// New returns a server for the process's registry.
func New(reg *prometheus.Registry, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{reg: reg, log: log, checks: map[string]Check{}}
}

// AddCheck makes role's readiness part of /readyz; a role not added yet is not reported.
func (s *Server) AddCheck(role string, c Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[role] = c
}

// Ready runs every role's check (at once, each within checkTimeout) and reports them.
func (s *Server) Ready(ctx context.Context) Report {
	s.mu.Lock()
	roles := make([]string, 0, len(s.checks))
	for role := range s.checks {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	checks := make([]Check, len(roles))
	for i, role := range roles {
		checks[i] = s.checks[role]
	}
	s.mu.Unlock()

	res := make([]Readiness, len(roles))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			res[i] = c(cctx)
		}()
	}
	wg.Wait()
	rep := Report{Status: "ready", Roles: make(map[string]Readiness, len(roles))}
	for i, role := range roles {
		rep.Roles[role] = res[i]
		if !res[i].Ready {
			rep.Status = "not ready"
		}
	}
	if len(roles) == 0 {
		// Nothing has said it is ready: the roles are still being built.
		rep.Status = "not ready"
	}
	return rep
}

// Handler serves /metrics, /healthz and /readyz.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}))
	// healthz touches nothing but the process, so a slow dependency never gets a live process
	// restarted.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		rep := s.Ready(r.Context())
		code := http.StatusOK
		if rep.Status != "ready" {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, rep)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": "Not Found", "status": http.StatusNotFound,
			"detail": fmt.Sprintf("%s is not an ops endpoint: GET /metrics, /healthz or /readyz", r.URL.Path)})
	})
	return mux
}

// Serve answers on ln until ctx ends, then shuts down.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve ops endpoints on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shut down the ops listener: %w", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
