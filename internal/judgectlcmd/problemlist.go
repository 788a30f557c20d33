package judgectlcmd

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/client"
)

// ProblemListOptions are the inputs of `judgectl problem list`.
type ProblemListOptions struct {
	IO     *IOStreams
	Client func() (*client.Client, error)
	Format string
}

func newProblemListCmd(f *Factory, runF func(context.Context, *ProblemListOptions) error) *cobra.Command {
	opts := &ProblemListOptions{IO: f.IO, Client: f.Client}
	cmd := &cobra.Command{
		Use: "list",
		Example: `  judgectl problem list
  judgectl problem list -o yaml`,
		Short: "List the problems stored on the server",
		Args:  exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return problemListRun(cmd.Context(), opts)
		},
	}
	addOutputFlag(cmd, &opts.Format, formatTable)
	return cmd
}

func problemListRun(ctx context.Context, opts *ProblemListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	probs, err := c.Problems(ctx)
	if err != nil {
		return err
	}
	if opts.Format != formatTable {
		return writeData(opts.IO.Out, opts.Format, probs)
	}
	t := newTable(opts.IO, "SLUG", "NAME", "VERSION", "TYPE", "SAMPLES", "TESTS", "TIME LIMIT", "STATE")
	for _, p := range probs {
		typ := p.Type
		if p.Interactive {
			typ += " interactive"
		}
		t.add(p.Slug, p.Name, strconv.Itoa(p.Version), typ, strconv.Itoa(p.Samples), strconv.Itoa(p.Tests), timeLimit(p), p.State)
	}
	return t.render()
}
