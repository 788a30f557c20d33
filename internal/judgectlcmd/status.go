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
		Use:         "status ID",
		Annotations: map[string]string{annotationExitStatus: exitStatusVerdict},
		Example: `  judgectl status 0b8e3c52-7d4a-4f0e-9a61-2c5d8e9f1a30
  judgectl status 0b8e3c52-7d4a-4f0e-9a61-2c5d8e9f1a30 -o json | jq .verdict`,
		Short:             "Show a submission and its per-test results; exits with the verdict's code when done",
		Args:              exactArgs(1, "a submission ID"),
		ValidArgsFunction: onlyFirstArg(f.completeSubmissions()),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := checkSubmissionID(opts.ID); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	addOutputFlag(cmd, &opts.Format, formatTable)
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
