package judgectlcmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/client"
	"github.com/judge-dev/judge/pkg/problem"
)

// ProblemPushOptions are the inputs of `judgectl problem push`.
type ProblemPushOptions struct {
	IO      *IOStreams
	Client  func() (*client.Client, error)
	Dir     string
	Slug    string
	Archive string // problem.TarGz or problem.Zip
	Format  string
}

// slugPattern is what a problem's short name may look like (Kattis: lower-case alphanumerics).
var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func newProblemPushCmd(f *Factory, runF func(context.Context, *ProblemPushOptions) error) *cobra.Command {
	opts := &ProblemPushOptions{IO: f.IO, Client: f.Client}
	cmd := &cobra.Command{
		Use: "push DIR",
		Example: `  judgectl problem push examples/problems/sum
  judgectl problem push ./hello-v2 --slug hello --archive zip`,
		Short: "Validate a problem package directory, pack it and upload it as the problem's new version",
		Long: `push validates the Kattis / ICPC problem package in DIR locally (every defect is listed
before anything is sent), packs it into a deterministic archive and uploads it with
PUT /v1/problems/SLUG. The slug is DIR's base name unless --slug is given. Pushing an
unchanged package does not create a new version.`,
		Args: exactArgs(1, "a problem package directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if opts.Slug == "" {
				abs, err := filepath.Abs(opts.Dir)
				if err != nil {
					return err
				}
				opts.Slug = filepath.Base(abs)
			}
			if !slugPattern.MatchString(opts.Slug) {
				return flagErrorf("problem slug %q: use lower-case letters, digits, - and _ (rename the directory or pass --slug)", opts.Slug)
			}
			if opts.Archive != problem.TarGz && opts.Archive != problem.Zip {
				return flagErrorf("--archive %q: use %s or %s", opts.Archive, problem.TarGz, problem.Zip)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return problemPushRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Slug, "slug", "", "problem slug (default: the directory's name)")
	cmd.Flags().StringVar(&opts.Archive, "archive", problem.TarGz, "archive format: tar.gz or zip")
	addOutputFlag(cmd, &opts.Format, formatTable)
	return cmd
}

func problemPushRun(ctx context.Context, opts *ProblemPushOptions) error {
	if st, err := os.Stat(opts.Dir); err != nil || !st.IsDir() {
		return fmt.Errorf("%s is not a directory: push takes a problem package directory (problem.yaml, data/...)", opts.Dir)
	}
	var buf bytes.Buffer
	if err := problem.Pack(&buf, opts.Dir, opts.Archive); err != nil {
		return fmt.Errorf("problem package %s is not valid:\n%w", opts.Dir, err)
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	contentType := "application/gzip"
	if opts.Archive == problem.Zip {
		contentType = "application/zip"
	}
	size := buf.Len()
	bar := newProgress(opts.IO, int64(size), "uploading "+opts.Slug, true)
	res, err := c.PushProblem(ctx, opts.Slug, &buf, contentType, client.WithUploadProgress(uploadProgress(bar)))
	_ = bar.Clear()
	if err != nil {
		return err
	}
	if opts.Format != formatTable {
		return writeData(opts.IO.Out, opts.Format, res)
	}
	if res.Created {
		fmt.Fprintf(opts.IO.Out, "Pushed %s: version %d, %d tests (%d samples), archive %d bytes\n",
			res.Problem.Slug, res.Problem.Version, res.Problem.Tests, res.Problem.Samples, size)
	} else {
		fmt.Fprintf(opts.IO.Out, "Unchanged %s: the server already has this package as version %d\n", res.Problem.Slug, res.Problem.Version)
	}
	return nil
}
