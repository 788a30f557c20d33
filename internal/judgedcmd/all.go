package judgedcmd

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/judge-dev/judge/pkg/store"
)

func newAllCmd(a *app) *cobra.Command {
	var grace time.Duration
	var slot, group, pprofAddr string
	cmd := &cobra.Command{
		Use:   "all",
		Short: "Run every role in one process: migrations, then the API, the relay and a worker",
		Long: "Apply migrations, then serve the API, relay the outbox to Kafka and judge submissions, all in\n" +
			"this process (one machine). SIGTERM stops every role cleanly; if one role fails, the others stop.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig(cmd)
			if err != nil {
				return err
			}
			if err := cfg.RequireKafka(); err != nil {
				return err
			}
			log := a.logger(cfg)
			ctx := cmd.Context()
			st, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := store.Migrate(ctx, st.DB()); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			reg := prometheus.NewRegistry()
			reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

			g, gctx := errgroup.WithContext(ctx)
			role := func(name string, run func(context.Context) error) {
				g.Go(func() error {
					if err := run(gctx); err != nil {
						return fmt.Errorf("%s: %w", name, err)
					}
					if ctx.Err() == nil {
						return fmt.Errorf("%s stopped unexpectedly", name)
					}
					return nil
				})
			}
			role("api", func(ctx context.Context) error { return serveAPI(ctx, cfg, st, log, reg) })
			role("relay", func(ctx context.Context) error { return runRelay(ctx, cfg, st, log, slot, reg) })
			role("worker", func(ctx context.Context) error { return runWorker(ctx, cfg, st, log, grace, group, reg) })
			if pprofAddr != "" {
				role("pprof", func(ctx context.Context) error { return servePprof(ctx, pprofAddr, log) })
			}
			return g.Wait()
		},
	}
	addSlotFlag(cmd, &slot)
	addWorkerFlags(cmd, &grace, &group)
	addPprofFlag(cmd, &pprofAddr)
	return cmd
}
