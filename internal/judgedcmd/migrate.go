package judgedcmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/store"
)

func newMigrateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the embedded database migrations (forward-only, safe to run from several replicas at once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig(cmd)
			if err != nil {
				return err
			}
			st, err := openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := store.MigrateReport(cmd.Context(), st.DB())
			if err != nil {
				return err
			}
			for _, name := range res.Applied {
				fmt.Fprintf(a.stdout, "applied %s\n", name)
			}
			fmt.Fprintf(a.stdout, "schema at version %d\n", res.Version)
			return nil
		},
	}
}

// openStore connects to the configured database; errors name the setting to fix.
func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	if err := cfg.RequireDatabase(); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("database_url (JUDGE_DATABASE_URL): %w", err)
	}
	return st, nil
}
