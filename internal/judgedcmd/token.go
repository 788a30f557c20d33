package judgedcmd

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/store"
)

func newTokenCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage API tokens (only their SHA-256 is stored)",
	}
	cmd.AddCommand(newTokenCreateCmd(a), newTokenListCmd(a), newTokenRevokeCmd(a))
	return cmd
}

func newTokenCreateCmd(a *app) *cobra.Command {
	var name, role string
	cmd := &cobra.Command{
		Use:   "create --name NAME --role admin|submitter|viewer",
		Short: "Create a token and print its secret once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return &exitError{code: 2, err: errors.New("token create: --name is required (e.g. --name ci)")}
			}
			if !store.ValidRole(role) {
				return &exitError{code: 2, err: fmt.Errorf("token create: --role %q: want admin, submitter or viewer", role)}
			}
			return a.withStore(cmd, func(ctx context.Context, _ config.Config, st *store.Store) error {
				t, secret, err := st.CreateToken(ctx, name, role)
				if err != nil {
					return err
				}
				// The secret alone goes to stdout so scripts can capture it; the note goes to stderr.
				fmt.Fprintln(a.stdout, secret)
				fmt.Fprintf(a.stderr, "created token %d %q (%s); the secret above is shown only once\n", t.ID, t.Name, t.Role)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "name of the token (unique among active tokens)")
	cmd.Flags().StringVar(&role, "role", "submitter", "role: admin, submitter or viewer")
	return cmd
}

func newTokenListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List tokens, revoked ones included",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd, func(ctx context.Context, _ config.Config, st *store.Store) error {
				ts, err := st.ListTokens(ctx)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tNAME\tROLE\tCREATED\tREVOKED")
				for _, t := range ts {
					revoked := "-"
					if t.RevokedAt != nil {
						revoked = t.RevokedAt.UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedAt.UTC().Format(time.RFC3339), revoked)
				}
				return w.Flush()
			})
		},
	}
}

func newTokenRevokeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME|ID",
		Short: "Revoke the active token with that name or id",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, _ config.Config, st *store.Store) error {
				t, err := st.RevokeToken(ctx, args[0])
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no active token named or numbered %q (see `judged token list`)", args[0])
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "revoked token %d %q\n", t.ID, t.Name)
				return nil
			})
		},
	}
}
