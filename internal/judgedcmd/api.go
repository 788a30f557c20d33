package judgedcmd

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/srcfiles"
	"github.com/judge-dev/judge/pkg/store"
)

// apiShutdownGrace is how long requests in flight get to finish after SIGTERM.
const apiShutdownGrace = 15 * time.Second

func newAPICmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Serve the HTTP API (stateless; run as many replicas as you like)",
		Long: "Serve the HTTP API on --listen until SIGTERM or SIGINT, then shut down gracefully.\n" +
			"The database must be migrated first (`judged migrate`).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withProcess(cmd, needs{}, func(ctx context.Context, p *process) error {
				return p.run(ctx, role{"api", p.serveAPI})
			})
		},
	}
	return cmd
}

// apiLimits are the request limits cfg sets; the rest are api.DefaultLimits.
func apiLimits(cfg config.Config) api.Limits {
	l := api.Limits{
		SubmitRate: float64(cfg.SubmitRate), SubmitBurst: cfg.SubmitBurst,
		MaxStreams: cfg.MaxEventStreams, MaxWaits: cfg.MaxWaits,
		MaxPackageBytes: int64(cfg.MaxPackageBytes), MaxUnpackedBytes: int64(cfg.MaxPackageUnpackedBytes),
		MaxTestFileBytes: int64(cfg.MaxTestFileBytes), MemoryBudget: int64(cfg.RequestMemoryBudget),
		SpillDir: cfg.UploadSpillDir,
		Files:    srcfiles.Caps{MaxFiles: cfg.MaxSubmissionFiles, MaxBytes: int64(cfg.MaxSubmissionBytes), MaxPathBytes: cfg.MaxSubmissionPathBytes},
	}
	if cfg.SubmitRate == 0 {
		l.SubmitRate = -1 // off; api.Limits reads 0 as "the default"
	}
	return l
}

// serveAPI runs the API role on cfg.Listen until ctx ends. Its metrics go to the process's
// registry, served on the API's /metrics and on the ops listener alike; its readiness (the
// database answers) is the "api" check of /readyz on the ops listener.
func (p *process) serveAPI(ctx context.Context) error {
	cfg, st, log := p.cfg, p.st, p.log
	limits := apiLimits(cfg)
	langs, err := p.languages(ctx)
	if err != nil {
		return err
	}
	l, err := store.NewListener(st.DSN(), log)
	if err != nil {
		return fmt.Errorf("listen for submission events: %w", err)
	}
	defer l.Close()
	srv, err := api.New(api.Deps{Store: st, Languages: langs, Events: l, Logger: log, Registry: p.reg, Limits: limits,
		Judge0: api.Judge0Options{CallbackHosts: cfg.Judge0CallbackHosts}})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen (JUDGE_LISTEN): %w", err)
	}
	var jln net.Listener
	if cfg.Judge0Listen != "" {
		if jln, err = net.Listen("tcp", cfg.Judge0Listen); err != nil {
			ln.Close()
			return fmt.Errorf("judge0_listen (JUDGE_JUDGE0_LISTEN): %w", err)
		}
	}
	p.ops.AddCheck("api", p.databaseReadiness)
	log.Info("api listening", "addr", ln.Addr().String(), "languages", len(langs.All()))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Serve(gctx, ln, apiShutdownGrace) })
	if jln != nil {
		log.Info("api listening for Judge0 clients at the root", "addr", jln.Addr().String())
		g.Go(func() error { return srv.ServeJudge0Root(gctx, jln, apiShutdownGrace) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	log.Info("api stopped")
	return nil
}
