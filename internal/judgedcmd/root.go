// Package judgedcmd owns the judged command tree: one cobra subcommand per role, the shared
// configuration flags, logging setup and the mapping of errors to exit codes.
package judgedcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/config"
)

// app carries what every subcommand shares: the output streams and the config flags.
type app struct {
	stdout io.Writer
	stderr io.Writer
	root   *cobra.Command
}

// Main runs judged with the process's arguments and returns the exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

// Run executes judged with args; it is Main without the process globals, for tests.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var exit *exitError
	if errors.As(err, &exit) {
		if exit.err != nil {
			fmt.Fprintln(stderr, "judged:", exit.err)
		}
		return exit.code
	}
	fmt.Fprintln(stderr, "judged:", err)
	return 1
}

// exitError ends the process with a chosen code; a nil err prints nothing.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "judged",
		Short:         "The judge daemon: API, CDC relay, workers and operator tools in one binary",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	config.BindFlags(root.PersistentFlags())
	a.root = root

	root.AddCommand(
		newVersionCmd(a),
		newConfigCmd(a),
		newAPICmd(a),
		newMigrateCmd(a),
		newTokenCmd(a),
		newImageCmd(a),
		newAgentCmd(a),
		newSandboxCmd(a),
		newRelayCmd(a),
		newWorkerCmd(a),
		newAllCmd(a),
	)
	return root
}

// loadConfig resolves the configuration for cmd from flags, env, files and defaults.
func (a *app) loadConfig(cmd *cobra.Command) (config.Config, error) {
	cfg, err := config.Load(config.Sources{Flags: cmd.Flags()})
	if err != nil {
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	return cfg, nil
}

// logger builds the structured logger the configuration asks for.
func (a *app) logger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config.Load
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.stderr, opts))
}
