package judgedcmd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/store"
)

// apiShutdownGrace is how long requests in flight get to finish after SIGTERM.
const apiShutdownGrace = 15 * time.Second

func newAPICmd(a *app) *cobra.Command {
	var limits api.Limits
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Serve the HTTP API (stateless; run as many replicas as you like)",
		Long: "Serve the HTTP API on --listen until SIGTERM or SIGINT, then shut down gracefully.\n" +
			"The database must be migrated first (`judged migrate`).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd, func(ctx context.Context, cfg config.Config, st *store.Store) error {
				reg := prometheus.NewRegistry()
				reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
				return serveAPIWith(ctx, cfg, st, a.logger(cfg), reg, limits)
			})
		},
	}
	cmd.Flags().Float64Var(&limits.SubmitRate, "submit-rate", 0, "submissions per second one token may make on this replica (0 = unlimited)")
	cmd.Flags().IntVar(&limits.SubmitBurst, "submit-burst", 0, "burst allowed above --submit-rate (default: the rate, at least 1)")
	return cmd
}

// serveAPI runs the API role on cfg.Listen until ctx ends; `judged all` calls it too, with the
// registry the other roles share.
func serveAPI(ctx context.Context, cfg config.Config, st *store.Store, log *slog.Logger, reg *prometheus.Registry) error {
	return serveAPIWith(ctx, cfg, st, log, reg, api.Limits{})
}

// serveAPIWith is serveAPI with request limits other than the defaults.
func serveAPIWith(ctx context.Context, cfg config.Config, st *store.Store, log *slog.Logger, reg *prometheus.Registry, limits api.Limits) error {
	langs, err := lang.Load(cfg.LanguagesFile)
	if err != nil {
		return fmt.Errorf("languages_file (JUDGE_LANGUAGES_FILE): %w", err)
	}
	langs = withImageVersions(ctx, cfg, langs, log)
	l, err := store.NewListener(st.DSN(), log)
	if err != nil {
		return fmt.Errorf("listen for submission events: %w", err)
	}
	defer l.Close()
	srv, err := api.New(api.Deps{Store: st, Languages: langs, Events: l, Logger: log, Registry: reg, Limits: limits})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen (JUDGE_LISTEN): %w", err)
	}
	log.Info("api listening", "addr", ln.Addr().String(), "languages", len(langs.All()))
	if err := srv.Serve(ctx, ln, apiShutdownGrace); err != nil {
		return err
	}
	log.Info("api stopped")
	return nil
}
