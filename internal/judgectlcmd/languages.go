package judgectlcmd

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/client"
)

// LanguagesOptions are the inputs of `judgectl languages`.
type LanguagesOptions struct {
	IO     *IOStreams
	Client func() (*client.Client, error)
	Format string
}

func newLanguagesCmd(f *Factory, runF func(context.Context, *LanguagesOptions) error) *cobra.Command {
	opts := &LanguagesOptions{IO: f.IO, Client: f.Client}
	cmd := &cobra.Command{
		Use: "languages",
		Example: `  judgectl languages
  judgectl languages -o json | jq -r '.[].id'`,
		Short: "List the server's languages, their versions and the file extensions that select them",
		Args:  exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return languagesRun(cmd.Context(), opts)
		},
	}
	addOutputFlag(cmd, &opts.Format, formatTable)
	return cmd
}

func languagesRun(ctx context.Context, opts *LanguagesOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	langs, err := c.Languages(ctx)
	if err != nil {
		return err
	}
	if opts.Format != formatTable {
		return writeData(opts.IO.Out, opts.Format, langs)
	}
	t := newTable(opts.IO, "ID", "NAME", "VERSION", "EXTENSIONS", "COMPILED")
	for _, l := range langs {
		compiled := "no"
		if l.Compiled {
			compiled = "yes"
		}
		version := l.Version
		if version == "" {
			version = "-" // the API node reads versions from the images; it has no Docker engine
		}
		t.add(l.ID, l.Name, version, strings.Join(l.Extensions, " "), compiled)
	}
	return t.render()
}
