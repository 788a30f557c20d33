package judgedcmd

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/sandbox/agent"
)

// newAgentCmd is the measuring helper that runs as PID 1 of every sandbox container. It is
// hidden: only the sandbox starts it, talking to it over the container's attached stdio.
func newAgentCmd(a *app) *cobra.Command {
	cfg := agent.DefaultConfig()
	cmd := &cobra.Command{
		Use:    "agent",
		Short:  "Run programs inside a sandbox container for the host (internal)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Logger = slog.New(slog.NewTextHandler(a.stderr, nil)).With("component", "agent")
			return agent.New(cfg, a.stdout).Serve(cmd.Context(), os.Stdin)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.UID, "uid", cfg.UID, "uid programs run as")
	f.IntVar(&cfg.GID, "gid", cfg.GID, "gid programs run as")
	f.StringVar(&cfg.WorkDir, "work-dir", cfg.WorkDir, "programs' working directory")
	f.StringSliceVar(&cfg.WipeDirs, "wipe", cfg.WipeDirs, "directories emptied before and after every run")
	return cmd
}
