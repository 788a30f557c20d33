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
			return a.withStore(cmd, func(ctx context.Context, _ config.Config, st *store.Store) error {
				res, err := store.MigrateReport(ctx, st.DB())
				if err != nil {
					return err
				}
				for _, name := range res.Applied {
					fmt.Fprintf(a.stdout, "applied %s\n", name)
				}
				fmt.Fprintf(a.stdout, "schema at version %d\n", res.Version)
				return nil
			})
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
	st.SetTokenCacheTTL(cfg.TokenCacheTTL)
	return st, nil
}

// withStore loads the configuration, opens the store for fn and closes it afterwards: the frame
// of every command that needs the database.
func (a *app) withStore(cmd *cobra.Command, fn func(context.Context, config.Config, *store.Store) error) error {
	cfg, err := a.loadConfig(cmd)
	if err != nil {
		return err
	}
	st, err := openStore(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(cmd.Context(), cfg, st)
}
