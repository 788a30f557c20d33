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
	"syscall"

	"github.com/spf13/cobra"
)

// Main runs judgectl with the process's arguments and returns the exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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
	if err == nil {
		return ExitOK
	}
	var fe *FlagError
	var ee *ExitError
	switch {
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
		Use:   "judgectl",
		Short: "Submit programs to a judge, follow their verdicts, manage problems, benchmark and grade",
		Long: `judgectl talks to a judge server (judged api) over its HTTP API.

Exit codes: 0 accepted, 1 rejected (WA, TLE, MLE, OLE, RE, PA), 2 compile error,
3 judge error (IE), usage, network or server error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
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
	return root
}
