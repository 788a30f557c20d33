package judgectlcmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/client"
)

// ProblemShowOptions are the inputs of `judgectl problem show`.
type ProblemShowOptions struct {
	IO     *IOStreams
	Client func() (*client.Client, error)
	Slug   string
	Format string
}

func newProblemShowCmd(f *Factory, runF func(context.Context, *ProblemShowOptions) error) *cobra.Command {
	opts := &ProblemShowOptions{IO: f.IO, Client: f.Client}
	cmd := &cobra.Command{
		Use: "show SLUG",
		Example: `  judgectl problem show sum
  judgectl problem show sum -o json`,
		Short:             "Show one problem: version, type, limits and test counts (secret data never leaves the server)",
		Args:              exactArgs(1, "a problem slug"),
		ValidArgsFunction: onlyFirstArg(f.completeProblems()),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Slug = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return problemShowRun(cmd.Context(), opts)
		},
	}
	addOutputFlag(cmd, &opts.Format, formatTable)
	return cmd
}

func problemShowRun(ctx context.Context, opts *ProblemShowOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	p, err := c.Problem(ctx, opts.Slug)
	if err != nil {
		return err
	}
	if opts.Format != formatTable {
		return writeData(opts.IO.Out, opts.Format, p)
	}
	writeProblem(opts.IO, p)
	return nil
}

func writeProblem(ios *IOStreams, p *apiv1.Problem) {
	w := ios.Out
	fmt.Fprintf(w, "Slug         %s\n", p.Slug)
	fmt.Fprintf(w, "Name         %s\n", p.Name)
	fmt.Fprintf(w, "Version      %d\n", p.Version)
	typ := p.Type
	if p.Interactive {
		typ += ", interactive"
	}
	fmt.Fprintf(w, "Type         %s\n", typ)
	fmt.Fprintf(w, "Tests        %d (%d samples)\n", p.Tests, p.Samples)
	lim := func(v int64, unit string) string {
		if v == 0 {
			return "default"
		}
		return fmt.Sprintf("%d %s", v, unit)
	}
	fmt.Fprintf(w, "Time limit   %s\n", timeLimit(*p))
	if p.State != "" {
		fmt.Fprintf(w, "State        %s\n", p.State)
	}
	if cal := p.Calibration; cal != nil {
		fmt.Fprintf(w, "Calibration  %d of %d accepted submissions judged, slowest %d ms\n", cal.Judged, cal.Total, cal.SlowestMS)
		for _, f := range cal.Failures {
			fmt.Fprintf(w, "  FAIL %s\n", f)
		}
		for _, x := range cal.Warnings {
			fmt.Fprintf(w, "  WARN %s\n", x)
		}
	}
	fmt.Fprintf(w, "Memory limit %s\n", lim(p.Limits.MemoryKB, "KB"))
	fmt.Fprintf(w, "Output limit %s\n", lim(p.Limits.OutputKB, "KB"))
}

// timeLimit is a problem's CPU time limit and where it came from.
func timeLimit(p apiv1.Problem) string {
	if p.State == apiv1.ProblemCalibrating {
		return "computing"
	}
	if p.Limits.TimeMS == 0 {
		return "default"
	}
	s := fmt.Sprintf("%d ms", p.Limits.TimeMS)
	switch p.TimeLimitSource {
	case "computed":
		s += " (computed)"
	case "default":
		s += " (server default)"
	}
	return s
}
