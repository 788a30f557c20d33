package judgectlcmd

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/client"
)

// TailOptions are the inputs of `judgectl tail`.
type TailOptions struct {
	IO     *IOStreams
	Client func() (*client.Client, error)
	ID     string
	Format string
}

func newTailCmd(f *Factory, runF func(context.Context, *TailOptions) error) *cobra.Command {
	opts := &TailOptions{IO: f.IO, Client: f.Client}
	cmd := &cobra.Command{
		Use:         "tail ID",
		Annotations: map[string]string{annotationExitStatus: exitStatusVerdict},
		Example: `  judgectl tail 0b8e3c52-7d4a-4f0e-9a61-2c5d8e9f1a30
  id=$(judgectl submit sol.cpp -p sum -o json | jq -r .id) && judgectl tail "$id"`,
		Short: "Follow a submission live: print each test as it finishes, then the verdict",
		Long: `tail follows the submission's event stream (Server-Sent Events). When the connection
drops it reconnects with backoff and resumes where it left off (Last-Event-ID), so every test
is printed once. It exits with the verdict's code: 0 AC, 1 rejected, 2 CE, 3 IE or error.`,
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
			return tailRun(cmd.Context(), opts)
		},
	}
	addOutputFlag(cmd, &opts.Format, formatTable, reportFormats...)
	return cmd
}

func tailRun(ctx context.Context, opts *TailOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	progress := opts.IO.Out
	if opts.Format != formatTable {
		progress = opts.IO.ErrOut // keep stdout pure JSON/YAML
	}
	s, err := follow(ctx, c, opts.ID, progress, opts.IO.ErrOut, "")
	if err != nil {
		return err
	}
	return finish(opts.IO, opts.Format, c.BaseURL(), []*apiv1.Submission{s})
}

// follow streams id's events, printing each finished test to w (prefixed), and returns the
// final submission. Reconnects are reported on errw.
func follow(ctx context.Context, c *client.Client, id string, w, errw io.Writer, prefix string) (*apiv1.Submission, error) {
	var final *apiv1.Submission
	err := c.Follow(ctx, id, client.FollowOptions{
		OnReconnect: func(err error, wait time.Duration) {
			fmt.Fprintf(errw, "%sconnection lost (%v); reconnecting in %s\n", prefix, err, wait.Round(time.Millisecond))
		},
	}, func(e apiv1.Event) error {
		switch e.Type {
		case apiv1.EventStatus:
			if e.Status != "" {
				fmt.Fprintf(w, "%s%s\n", prefix, e.Status)
			}
		case apiv1.EventTest:
			if e.Test != nil {
				writeTestLine(w, prefix, *e.Test)
			}
		case apiv1.EventDone:
			final = e.Submission
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if final == nil || final.Status != apiv1.StatusDone {
		// The done event may carry only the verdict; the resource has everything.
		s, err := c.Submission(ctx, id)
		if err != nil {
			return nil, err
		}
		final = s
	}
	return final, nil
}

// finish prints the final submissions and returns the combined verdict exit code. labels, if
// given, name each submission's source file in the table output. base is the server's URL, for
// the links of Markdown and HTML reports.
func finish(ios *IOStreams, format, base string, subs []*apiv1.Submission, labels ...string) error {
	codes := make([]int, 0, len(subs))
	for _, s := range subs {
		codes = append(codes, submissionExit(s))
	}
	switch {
	case isReportFormat(format):
		if err := writeFeedbackReport(ios, format, base, subs, labels); err != nil {
			return err
		}
	case format != formatTable && len(subs) == 1:
		if err := writeData(ios.Out, format, subs[0]); err != nil {
			return err
		}
	case format != formatTable:
		if err := writeData(ios.Out, format, subs); err != nil {
			return err
		}
	default:
		for i, s := range subs {
			v := s.Verdict
			if v == "" {
				v = s.Status
			}
			label := s.ID
			if i < len(labels) {
				label = labels[i] + " (" + s.ID + ")"
			}
			fmt.Fprintf(ios.Out, "%s: %s (%s) %d ms %s\n", label, v, verdictName(v), s.TimeMS, fmtMemory(s.MemoryKB))
			if s.CompileOutput != "" && s.Verdict == apiv1.VerdictCE {
				fmt.Fprintln(ios.Out, s.CompileOutput)
			}
		}
	}
	if code := worstExit(codes...); code != ExitOK {
		return &ExitError{Code: code}
	}
	return nil
}
