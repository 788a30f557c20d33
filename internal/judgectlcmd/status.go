package judgectlcmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/client"
)

// StatusOptions are the inputs of `judgectl status`.
type StatusOptions struct {
	IO     *IOStreams
	Client func() (*client.Client, error)
	ID     string
	Format string
}

func newStatusCmd(f *Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Client: f.Client}
	cmd := &cobra.Command{
		Use:               "status ID",
		Short:             "Show a submission and its per-test results; exits with the verdict's code when done",
		Args:              exactArgs(1, "a submission ID"),
		ValidArgsFunction: onlyFirstArg(f.completeSubmissions()),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := checkFormat(opts.Format); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "output", "o", formatTable, "output format: table, json or yaml")
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	s, err := c.Submission(ctx, opts.ID)
	if err != nil {
		return err
	}
	if opts.Format == formatTable {
		writeSubmission(opts.IO.Out, s)
	} else if err := writeData(opts.IO.Out, opts.Format, s); err != nil {
		return err
	}
	if code := submissionExit(s); code != ExitOK {
		return &ExitError{Code: code}
	}
	return nil
}
