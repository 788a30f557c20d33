package judgedcmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

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
			return a.withProcess(cmd, needs{kafka: true, docker: true}, func(ctx context.Context, p *process) error {
				if err := store.Migrate(ctx, p.st.DB()); err != nil {
					return fmt.Errorf("migrate: %w", err)
				}
				roles := []role{
					{"api", p.serveAPI},
					{"relay", func(ctx context.Context) error { return p.runRelay(ctx, slot) }},
					{"worker", func(ctx context.Context) error { return p.runWorker(ctx, grace, group) }},
				}
				if pprofAddr != "" {
					roles = append(roles, role{"pprof", func(ctx context.Context) error { return servePprof(ctx, pprofAddr, p.log) }})
				}
				return p.run(ctx, roles...)
			})
		},
	}
	addSlotFlag(cmd, &slot)
	addWorkerFlags(cmd, &grace, &group)
	addPprofFlag(cmd, &pprofAddr)
	return cmd
}
