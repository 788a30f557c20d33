// Package judgectlcmd owns the judgectl command tree: one file per verb (an Options struct,
// newCmdX(f, runF) and an unexported xRun), the Factory that hands commands their lazy
// dependencies, the I/O streams and the single place where errors become exit codes.
package judgectlcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/internal/buildinfo"
)

// Main runs judgectl with the process's arguments and returns the exit code. SIGINT and SIGTERM
// cancel the command's context; the exit code then says which signal ended the run (130 for
// Ctrl-C), as a shell reports a process killed by it.
func Main() int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case s := <-sigs:
			cancel(&InterruptError{Signal: s})
			// A second signal gets the default behaviour: a stuck command can still be killed.
			signal.Stop(sigs)
		case <-ctx.Done():
		}
	}()
	return Run(ctx, os.Args[1:], System())
}

// Run executes judgectl with args on ios and returns the exit code; it is Main without the
// process globals, for tests.
func Run(ctx context.Context, args []string, ios *IOStreams) int {
	return run(ctx, NewFactory(ios), args)
}

// run executes args against the command tree built on f.
func run(ctx context.Context, f *Factory, args []string) int {
	ios := f.IO
	root := NewRoot(f)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	var ie *InterruptError
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &ie) {
		err = ie // whatever the command made of its cancelled context
	}
	if err == nil {
		return ExitOK
	}
	var fe *FlagError
	var ee *ExitError
	switch {
	case errors.As(err, &ie):
		fmt.Fprintln(ios.ErrOut, "judgectl:", ie)
	case ctx.Err() != nil:
		fmt.Fprintln(ios.ErrOut, "judgectl: interrupted")
	case errors.As(err, &fe):
		fmt.Fprintln(ios.ErrOut, "judgectl:", fe.Err)
		fmt.Fprintln(ios.ErrOut)
		fmt.Fprint(ios.ErrOut, cmd.UsageString())
	case errors.As(err, &ee) && ee.Err == nil:
		// the command already said everything
	default:
		fmt.Fprintln(ios.ErrOut, "judgectl:", explain(err))
	}
	return exitCode(err)
}

// NewRoot builds the command tree. Commands of other owners are registered here with one line
// each (e.g. newValidateCmd(f), newProblemVerifyCmd(f)).
func NewRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:         "judgectl",
		Annotations: map[string]string{annotationExitStatus: exitStatusVerdict},
		Short:       "Submit programs to a judge, follow their verdicts, manage problems, benchmark and grade",
		Long: `judgectl talks to a judge server (judged api) over its HTTP API.

Exit codes: 0 accepted, 1 rejected (WA, TLE, MLE, OLE, RE, PA), 2 compile error,
3 judge error (IE), usage, network or server error, 130 interrupted (Ctrl-C).`,
		Example: `  judgectl config set-context --server http://judge.example:8080 --token-stdin < token.txt
  judgectl submit hello.py --problem hello --wait
  judgectl watch`,
		Version:       buildinfo.Get().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("judgectl {{.Version}}\n")
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{Err: err} })
	f.BindFlags(root.PersistentFlags())

	problem := newProblemCmd(f)
	problem.AddCommand(
		newProblemPushCmd(f, nil),
		newProblemListCmd(f, nil),
		newProblemShowCmd(f, nil),
		newProblemVerifyCmd(f, nil),
	)
	root.AddCommand(
		newConfigCmd(f),
		newSubmitCmd(f, nil),
		newStatusCmd(f, nil),
		newTailCmd(f, nil),
		newLanguagesCmd(f, nil),
		newBenchCmd(f, nil),
		newGradeCmd(f, nil),
		newWatchCmd(f, nil),
		newVersionCmd(f),
		problem,
		newValidateCmd(f, nil),
	)
	helpWins(root)
	return root
}

// helpWins makes -h and --help show the help of every command, whatever its arguments: cobra
// does so only for commands that parse flags, so a command that takes its words as they are
// (validate) would otherwise reject --help as a wrong argument count.
func helpWins(c *cobra.Command) {
	for _, sub := range c.Commands() {
		helpWins(sub)
	}
	if !c.DisableFlagParsing || c.RunE == nil {
		return
	}
	args, run := c.Args, c.RunE
	c.Args = func(cmd *cobra.Command, a []string) error {
		if wantsHelp(a) || args == nil {
			return nil
		}
		return args(cmd, a)
	}
	c.RunE = func(cmd *cobra.Command, a []string) error {
		if wantsHelp(a) {
			return cmd.Help()
		}
		return run(cmd, a)
	}
}

func wantsHelp(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "--help" })
}
