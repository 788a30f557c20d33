package judgedcmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"

	"github.com/moby/moby/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/ops"
	"github.com/judge-dev/judge/pkg/store"
)

// process is what the roles of one judged process share, built once whichever roles run (api,
// relay, worker, or all three): the configuration, the logger, the store, the metrics registry
// and the ops endpoints; and, the first time a role asks, the language table, the Docker client
// and the topic. Every role command starts from newProcess, so none sets anything up twice.
type process struct {
	cfg config.Config
	log *slog.Logger
	// usesDocker is set for the processes that run a worker: only they open a Docker client.
	usesDocker bool
	st         *store.Store
	reg        *prometheus.Registry
	ops        *ops.Server

	langsOnce sync.Once
	langs     *lang.Table
	langsErr  error

	// docker and topicReady are set at the first success only, so a role stopped while
	// waiting does not leave a failure behind for the next caller.
	mu         sync.Mutex
	docker     *client.Client
	topicMu    sync.Mutex
	topicReady bool
}

// newProcess loads the configuration of cmd and builds what every role shares. Close it.
func (a *app) newProcess(cmd *cobra.Command) (*process, error) {
	cfg, err := a.loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	st, err := openStore(cmd.Context(), cfg)
	if err != nil {
		return nil, err
	}
	return newProcessWith(cfg, a.logger(cfg), st), nil
}

// needs says what a role command's roles need besides the database.
type needs struct {
	kafka  bool
	docker bool // only the worker: least privilege
}

// withProcess builds the process of cmd, checks that Kafka is configured when the roles need
// it, runs fn and releases the process: the frame of every role command.
func (a *app) withProcess(cmd *cobra.Command, n needs, fn func(context.Context, *process) error) error {
	p, err := a.newProcess(cmd)
	if err != nil {
		return err
	}
	defer p.Close()
	p.usesDocker = n.docker
	if n.kafka {
		if err := p.cfg.RequireKafka(); err != nil {
			return err
		}
	}
	return fn(cmd.Context(), p)
}

// newProcessWith is newProcess from parts (tests build it on a store of their own).
func newProcessWith(cfg config.Config, log *slog.Logger, st *store.Store) *process {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &process{cfg: cfg, log: log, st: st, reg: reg, ops: ops.New(reg, log)}
}

// Close releases the Docker client and the store.
func (p *process) Close() {
	p.mu.Lock()
	if p.docker != nil {
		p.docker.Close()
		p.docker = nil
	}
	p.mu.Unlock()
	p.st.Close()
}

// languages is the language table, loaded once. It carries no versions: a worker reads them
// from its engine's runtime images and publishes them in the database (versionPublisher), where
// the API reads them, in every deployment alike.
func (p *process) languages(context.Context) (*lang.Table, error) {
	p.langsOnce.Do(func() { p.langs, p.langsErr = loadLanguages(p.cfg) })
	return p.langs, p.langsErr
}

// loadLanguages reads the configured language table; the error names the setting.
func loadLanguages(cfg config.Config) (*lang.Table, error) {
	tab, err := lang.Load(cfg.LanguagesFile)
	if err != nil {
		return nil, fmt.Errorf("languages_file (JUDGE_LANGUAGES_FILE): %w", err)
	}
	return tab, nil
}

// dockerClient is the process's one connection to its Docker engine; only a process that runs
// a worker has one (least privilege: api and relay never talk to Docker).
func (p *process) dockerClient(ctx context.Context) (*client.Client, error) {
	if !p.usesDocker {
		return nil, errors.New("this process runs no worker and does not talk to Docker")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.docker != nil {
		return p.docker, nil
	}
	d, err := dockerClient(ctx, p.cfg)
	if err != nil {
		return nil, err
	}
	p.docker = d
	return d, nil
}

// ensureTopic creates the topic once per process (relay and worker both need it), waiting for
// Kafka while it does not answer. Like the package function, it returns nil when ctx ends first.
func (p *process) ensureTopic(ctx context.Context) error {
	p.topicMu.Lock()
	defer p.topicMu.Unlock()
	if p.topicReady {
		return nil
	}
	if err := ensureTopic(ctx, p.cfg, p.log); err != nil || ctx.Err() != nil {
		return err
	}
	p.topicReady = true
	return nil
}

// role is one part of judged that runs until its context ends.
type role struct {
	name string
	run  func(ctx context.Context) error
}

// serverGCPercent is the GOGC of the server roles unless the environment sets one. Not higher:
// the heap may legitimately hold the compile and problem caches and a request's memory budget,
// and GOGC multiplies whatever is live (400 would let a 1 GiB cache grow the heap to 5 GiB).
const serverGCPercent = 200

// run runs roles, and the ops endpoints on ops_listen when it is set, until ctx ends; if one
// fails or stops by itself, the others are stopped and its error returned. The ops listener
// is opened first, so a bad address fails at start, naming the setting.
func (p *process) run(ctx context.Context, roles ...role) error {
	if os.Getenv("GOGC") == "" {
		// The server's live heap is small (about 10 MB) and every submission allocates, so Go's
		// default (collect when the heap has grown by 100 %) collected every few MB: 5 % of
		// judged's CPU at C hello 120/s; 200 halves that. An operator's GOGC still wins.
		debug.SetGCPercent(serverGCPercent)
	}
	var ln net.Listener
	if p.cfg.OpsListen != "" {
		var err error
		if ln, err = net.Listen("tcp", p.cfg.OpsListen); err != nil {
			return fmt.Errorf("ops_listen (JUDGE_OPS_LISTEN): %w", err)
		}
		p.log.Info("ops endpoints listening", "addr", ln.Addr().String(), "paths", "/metrics /healthz /readyz")
	}
	// Until a role puts its own check in place, it is reported as starting: /readyz must not
	// answer ready for the roles that happen to be up first.
	for _, r := range roles {
		p.ops.AddCheck(r.name, func(context.Context) ops.Readiness { return ops.Readiness{Reason: "starting"} })
	}
	g, gctx := errgroup.WithContext(ctx)
	if ln != nil {
		roles = append(roles, role{"ops listener", func(ctx context.Context) error { return p.ops.Serve(ctx, ln) }})
	}
	for _, r := range roles {
		g.Go(func() error {
			if err := r.run(gctx); err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			if ctx.Err() == nil && gctx.Err() == nil {
				return fmt.Errorf("%s: %w", r.name, errStopped)
			}
			return nil
		})
	}
	return g.Wait()
}

// databaseReadiness is the check of a role whose only dependency is the database (the API).
func (p *process) databaseReadiness(ctx context.Context) ops.Readiness {
	if err := p.st.Ping(ctx); err != nil {
		return ops.Readiness{Reason: "database does not answer: " + err.Error(), Detail: map[string]string{"database": err.Error()}}
	}
	return ops.Readiness{Ready: true, Detail: map[string]string{"database": "ok"}}
}

// errStopped is what a role returns when it ends although nobody asked it to.
var errStopped = errors.New("stopped unexpectedly")
