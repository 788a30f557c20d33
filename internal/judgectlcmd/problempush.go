package judgectlcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/apiv1"
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
	// Force keeps the version even if an accepted submission fails its calibration.
	Force bool
	// NoWait returns once the package is stored, without following its calibration.
	NoWait bool
	// Poll is how often the calibration's progress is read.
	Poll time.Duration
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
unchanged package does not create a new version.

When problem.yaml fixes no time limit, the server computes it as 'problem verify' does: it
judges each accepted submission once (through its workers) and sets the limit from the
slowest. push shows that progress (n of m judged, each verdict and time) and ends with the
computed limit. If an accepted submission does not pass, the version is refused and push
exits 1 with the report; --force keeps it (the limit is computed from those that passed).
--no-wait returns as soon as the package is stored (CI); 'problem show SLUG' shows the state.`,
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
	cmd.Flags().BoolVar(&opts.Force, "force", false, "keep the version even if an accepted submission fails the time-limit calibration")
	cmd.Flags().BoolVar(&opts.NoWait, "no-wait", false, "do not wait for the server to compute the time limit")
	cmd.Flags().DurationVar(&opts.Poll, "poll", 500*time.Millisecond, "how often to read the calibration's progress")
	_ = cmd.Flags().MarkHidden("poll")
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
	pushOpts := []client.PushOption{client.WithUploadProgress(uploadProgress(bar))}
	if opts.Force {
		pushOpts = append(pushOpts, client.WithForce())
	}
	res, err := c.PushProblem(ctx, opts.Slug, &buf, contentType, pushOpts...)
	_ = bar.Clear()
	if err != nil {
		return err
	}
	// Progress goes where it does not mix with -o json/yaml.
	out := opts.IO.Out
	if opts.Format != formatTable {
		out = opts.IO.ErrOut
	}
	if res.Created {
		fmt.Fprintf(out, "Pushed %s: version %d, %d tests (%d samples), archive %d bytes\n",
			res.Problem.Slug, res.Problem.Version, res.Problem.Tests, res.Problem.Samples, size)
	} else {
		fmt.Fprintf(out, "Unchanged %s: the server already has this package as version %d\n", res.Problem.Slug, res.Problem.Version)
	}
	if res.Problem.State == apiv1.ProblemCalibrating && !opts.NoWait {
		p, err := followCalibration(ctx, c, out, &res.Problem, opts.Poll)
		if err != nil {
			return err
		}
		res.Problem = *p
	}
	if opts.Format != formatTable {
		if err := writeData(opts.IO.Out, opts.Format, res); err != nil {
			return err
		}
	}
	return calibrationOutcome(out, &res.Problem)
}

// followCalibration polls the pushed version until its time limit is settled, printing each
// accepted submission as it is judged.
func followCalibration(ctx context.Context, c *client.Client, w io.Writer, p *apiv1.Problem, every time.Duration) (*apiv1.Problem, error) {
	if cal := p.Calibration; cal != nil {
		fmt.Fprintf(w, "Computing the time limit: judging %d accepted submission(s) under %d ms each\n", cal.Total, cal.ProbeTimeMS)
	}
	shown := map[string]bool{}
	t := time.NewTicker(max(every, 10*time.Millisecond))
	defer t.Stop()
	for {
		if cal := p.Calibration; cal != nil {
			for _, r := range cal.Runs {
				if r.Status != apiv1.StatusDone || shown[r.Path] {
					continue
				}
				shown[r.Path] = true
				line := fmt.Sprintf("  [%d/%d] %-40s %-8s %-4s %6d ms", len(shown), cal.Total, r.Path, r.Language, r.Verdict, r.TimeMS)
				if r.FailedTest != "" {
					line += fmt.Sprintf("  %s on %s", r.FailedVerdict, r.FailedTest)
				}
				fmt.Fprintln(w, line)
			}
		}
		if p.State != apiv1.ProblemCalibrating {
			return p, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
		next, err := c.ProblemVersion(ctx, p.Slug, p.Version)
		if err != nil {
			return nil, err
		}
		p = next
	}
}

// calibrationOutcome prints how the version's time limit was decided; a refused version is an
// ExitRejected error carrying the report.
func calibrationOutcome(w io.Writer, p *apiv1.Problem) error {
	cal := p.Calibration
	if cal != nil {
		for _, x := range cal.Warnings {
			fmt.Fprintf(w, "  WARN %s\n", x)
		}
	}
	switch {
	case p.State == apiv1.ProblemCalibrating:
		fmt.Fprintf(w, "Version %d is computing its time limit; 'judgectl problem show %s' shows when it is active\n", p.Version, p.Slug)
	case p.State == apiv1.ProblemRejected:
		var report strings.Builder
		fmt.Fprintf(&report, "version %d of %s was refused: an accepted submission did not pass on the server", p.Version, p.Slug)
		if cal != nil {
			for _, f := range cal.Failures {
				fmt.Fprintf(&report, "\n  %s", f)
			}
		}
		report.WriteString("\nfix the package (or its submissions) and push again, or push with --force to keep it")
		return &ExitError{Code: ExitRejected, Err: errors.New(report.String())}
	case p.TimeLimitSource == "computed" && cal != nil:
		fmt.Fprintf(w, "Time limit %d ms (computed from the slowest accepted run, %d ms)\n", p.Limits.TimeMS, cal.SlowestMS)
	case p.TimeLimitSource == "default":
		fmt.Fprintf(w, "Time limit %d ms (the server's default: nothing to compute it from)\n", p.Limits.TimeMS)
	}
	return nil
}
