// Package api owns the judge's HTTP API (v1): routing on net/http, bearer-token auth with roles,
// request validation and size limits, errors as application/problem+json, submission events as
// Server-Sent Events fed by PostgreSQL LISTEN/NOTIFY, health, readiness and Prometheus metrics.
// It keeps no state of its own between requests, so any number of replicas can serve behind a
// round-robin load balancer: PostgreSQL is the source of truth.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/srcfiles"
	"github.com/judge-dev/judge/pkg/store"
)

// Limits bound what one request may ask for. Zero fields take DefaultLimits' values.
type Limits struct {
	// MaxBodyBytes caps a JSON request body.
	MaxBodyBytes int64
	// MaxSourceBytes caps a submission's source.
	MaxSourceBytes int64
	// Files caps a multi-file submission: its file count, total bytes and path length. The
	// request body is allowed room for the total in base64 (MaxBodyBytes grows to fit).
	Files srcfiles.Caps
	// MaxStdinBytes caps an ad-hoc stdin and expected output, each.
	MaxStdinBytes int64
	// MaxPackageBytes caps a problem package upload as sent (compressed).
	MaxPackageBytes int64
	// MaxUnpackedBytes caps the sum of a package's files once decompressed; counted while it
	// decompresses, so a gzip bomb is refused after MaxUnpackedBytes, not after it expanded.
	MaxUnpackedBytes int64
	// MaxTestFileBytes caps one file of a package (a test input or answer) decompressed.
	MaxTestFileBytes int64
	// MemoryBudget is the most one request may grow the process by. Request bodies are capped
	// well under it; a package upload keeps only its small files in memory (at most a quarter of
	// the budget) and spills test data to temporary files, then to the database in chunks.
	MemoryBudget int64
	// SpillDir is where uploads spill test data; "" means the system's temporary directory.
	SpillDir string
	// MaxTests caps the number of test cases of a problem package.
	MaxTests int
	// DefaultRun are the limits of a run that neither the problem nor the request sets.
	DefaultRun store.Limits
	// MaxRun are the largest limits a request may ask for (an admin's too).
	MaxRun store.Limits
	// MaxWait caps ?wait= on POST and GET of a submission.
	MaxWait time.Duration
	// MaxPageSize caps ?limit= of lists.
	MaxPageSize int
	// SubmitRate is how many submissions per second one token may make on one replica, with
	// bursts of SubmitBurst; 0 means the default (100/s, bursts of 200), negative means no limit.
	SubmitRate  float64
	SubmitBurst int
	// MaxStreams caps the open SSE streams of this replica (503 with Retry-After beyond it).
	MaxStreams int
	// MaxWaits caps the requests of this replica waiting with ?wait= at once; beyond it a
	// request is answered at once, without waiting (202 for a POST).
	MaxWaits int
}

// DefaultLimits are the limits of a server that is not told otherwise.
func DefaultLimits() Limits {
	run := store.DefaultLimitPolicy()
	return Limits{
		MaxBodyBytes:     1 << 20,
		MaxSourceBytes:   256 << 10,
		MaxStdinBytes:    512 << 10,
		MaxPackageBytes:  config.DefaultMaxPackageBytes,
		MaxUnpackedBytes: config.DefaultMaxPackageUnpackedBytes,
		MaxTestFileBytes: config.DefaultMaxTestFileBytes,
		MemoryBudget:     config.DefaultRequestMemoryBudget,
		MaxTests:         2000,
		DefaultRun:       run.Defaults,
		MaxRun:           run.Max,
		MaxWait:          60 * time.Second,
		MaxPageSize:      100,
		SubmitRate:       config.DefaultSubmitRate,
		SubmitBurst:      config.DefaultSubmitBurst,
		// Streams and waits are idle almost always: they touch the database (20 connections by
		// default) only to re-read a submission when it changed, so a few hundred are cheap; the
		// caps keep a stampede of them from starving submissions of connections.
		MaxStreams: config.DefaultMaxEventStreams,
		MaxWaits:   config.DefaultMaxWaits,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	set := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxBodyBytes, d.MaxBodyBytes)
	set(&l.MaxSourceBytes, d.MaxSourceBytes)
	set(&l.MaxStdinBytes, d.MaxStdinBytes)
	set(&l.MaxPackageBytes, d.MaxPackageBytes)
	set(&l.MaxUnpackedBytes, d.MaxUnpackedBytes)
	set(&l.MaxTestFileBytes, d.MaxTestFileBytes)
	set(&l.MemoryBudget, d.MemoryBudget)
	if l.SubmitRate == 0 {
		l.SubmitRate, l.SubmitBurst = d.SubmitRate, max(l.SubmitBurst, d.SubmitBurst)
	}
	if l.MaxStreams <= 0 {
		l.MaxStreams = d.MaxStreams
	}
	if l.MaxWaits <= 0 {
		l.MaxWaits = d.MaxWaits
	}
	if l.DefaultRun == (store.Limits{}) {
		l.DefaultRun = d.DefaultRun
	}
	if l.MaxRun == (store.Limits{}) {
		l.MaxRun = d.MaxRun
	}
	if l.MaxWait <= 0 {
		l.MaxWait = d.MaxWait
	}
	if l.MaxTests <= 0 {
		l.MaxTests = d.MaxTests
	}
	l.Files = l.Files.WithDefaults()
	// base64 takes 4/3 of the bytes; paths and the other fields fit in the margin. The
	// defaults (1 MiB, 512 KiB of files) need no growth.
	l.MaxBodyBytes = max(l.MaxBodyBytes, l.Files.MaxBytes*4/3+256<<10)
	if l.MaxPageSize <= 0 {
		l.MaxPageSize = d.MaxPageSize
	}
	return l
}

// maxHeaderBytes caps a request's header block (net/http allows 4 KiB of slack above it).
const maxHeaderBytes = 64 << 10

// Notifications delivers NOTIFY payloads of store.EventsChannel ("" after a reconnect);
// *store.Listener is one.
type Notifications interface {
	C() <-chan string
}

// Deps are what a Server is built from.
type Deps struct {
	Store     Store
	Languages *lang.Table
	// Events feeds SSE and ?wait=; nil makes them poll the database every PollInterval only.
	Events Notifications
	Logger *slog.Logger
	// Registry receives the API's metrics and is served on /metrics (with whatever else other
	// roles registered on it); nil means a new registry.
	Registry *prometheus.Registry
	Limits   Limits
	// PollInterval is how often SSE streams and waits re-read the database without a
	// notification (a safety net for lost notifications); default 5s.
	PollInterval time.Duration
	// Judge0 are the settings of the Judge0-compatible routes.
	Judge0 Judge0Options
	// LanguagesRefresh is how often the language routes re-read the versions the workers
	// published from their runtime images; default 10s.
	LanguagesRefresh time.Duration
}

// Server is the HTTP API. Build it with New, serve Handler, and Close it when done.
type Server struct {
	store    Store
	langs    *lang.Table
	log      *slog.Logger
	limits   Limits
	hub      *hub
	metrics  *metrics
	registry *prometheus.Registry
	poll     time.Duration
	handler  http.Handler
	routes   []string
	stats    statsCache
	limiter  *limiter
	judge0   Judge0Options
	// languages is the language table with the versions the workers published, and its
	// Judge0 ids.
	languages *languageView
	// callbackClient delivers Judge0 callbacks; stopCallbacks ends their delivery loop.
	callbackClient *http.Client
	callbackPoll   time.Duration
	stopCallbacks  context.CancelFunc
	streams        gate
	waits          gate
}

// New validates deps and builds the server; its event fan-out runs until Close.
func New(deps Deps) (*Server, error) {
	if deps.Store == nil {
		return nil, errors.New("api: Deps.Store is required")
	}
	if deps.Languages == nil {
		return nil, errors.New("api: Deps.Languages is required")
	}
	s := &Server{
		store: deps.Store, langs: deps.Languages, log: deps.Logger, limits: deps.Limits.withDefaults(),
		registry: deps.Registry, poll: deps.PollInterval,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	if s.poll <= 0 {
		s.poll = 5 * time.Second
	}
	m, err := newMetrics(s.registry, deps.Store)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.limiter = newLimiter(s.limits.SubmitRate, s.limits.SubmitBurst)
	s.streams, s.waits = newGate(s.limits.MaxStreams), newGate(s.limits.MaxWaits)
	s.hub = newHub(deps.Events, s.log)
	s.handler = s.routesHandler()
	for _, h := range deps.Judge0.CallbackHosts {
		s.judge0.CallbackHosts = append(s.judge0.CallbackHosts, strings.ToLower(strings.TrimSpace(h)))
	}
	s.languages = newLanguageView(s.langs, deps.Store, deps.LanguagesRefresh, s.log)
	s.stopCallbacks = func() {}
	if len(s.judge0.CallbackHosts) > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		s.callbackClient, s.callbackPoll, s.stopCallbacks = newCallbackClient(), min(s.poll, time.Second), cancel
		go s.runCallbacks(ctx)
	}
	return s, nil
}

// Handler is the server's root handler, with logging, metrics and panic recovery around it.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes lists the registered patterns ("GET /v1/languages"), for docs and tests.
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

// Close stops the event fan-out and Judge0 callback delivery; open SSE streams end.
func (s *Server) Close() {
	s.stopCallbacks()
	s.hub.close()
}

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully: new connections are
// refused and requests in flight get up to grace to finish (SSE streams are told to end).
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	return s.serve(ctx, ln, grace, s.handler)
}

// ServeJudge0Root is Serve for a listener of its own that answers the Judge0 routes at the
// root (/submissions, /languages, ...), for clients that take a bare Judge0 URL; anything else
// there is the same 404 as on the main listener.
func (s *Server) ServeJudge0Root(ctx context.Context, ln net.Listener, grace time.Duration) error {
	return s.serve(ctx, ln, grace, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/judge0" + r.URL.Path
		r2.URL.RawPath = ""
		s.handler.ServeHTTP(w, r2)
	}))
}

func (s *Server) serve(ctx context.Context, ln net.Listener, grace time.Duration, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		// No WriteTimeout: SSE streams and ?wait= answers are long on purpose; they end on their own.
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: maxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	srv.RegisterOnShutdown(s.hub.close)
	errc := make(chan error, 1)
	// net/http's own 431/400/501 answers become problem+json on the way out (see rawerrors.go).
	go func() { errc <- srv.Serve(problemListener{Listener: ln, maxHeaderBytes: maxHeaderBytes}) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
