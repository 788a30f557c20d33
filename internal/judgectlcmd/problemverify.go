package judgectlcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/client"
	"github.com/judge-dev/judge/pkg/judge/verify"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/problem"
)

// ProblemVerifyOptions are the arguments of `judgectl problem verify`.
type ProblemVerifyOptions struct {
	IO        *IOStreams
	Client    func() (*client.Client, error)
	Dir       string
	Slug      string
	Poll      time.Duration
	Local     bool
	Agent     string
	Mode      string
	Languages string
	Probe     time.Duration
	Format    string
}

// newProblemVerifyCmd judges every example submission of a package, like Kattis's verifyproblem.
func newProblemVerifyCmd(f *Factory, runF func(context.Context, *ProblemVerifyOptions) error) *cobra.Command {
	opts := &ProblemVerifyOptions{IO: f.IO, Client: f.Client, Poll: 200 * time.Millisecond}
	cmd := &cobra.Command{
		Use:         "verify DIR",
		Annotations: map[string]string{annotationExitStatus: "0\tevery submission as expected\n1\ta submission got another verdict than its folder expects\n3\ta broken package, judge error or usage error\n130\tinterrupted by SIGINT (Ctrl-C); 143 for SIGTERM"},
		Short:       "Judge every submissions/<verdict>/ entry of a problem package and compare with what it expects",
		Long: `Load the package in DIR (reporting every defect at once), then judge each submission in
submissions/<verdict>/ and print, per submission, the expected and obtained verdicts and the time
used against the limit, then a summary. A submission whose language this judge lacks (or whose
runtime image is not built) is reported as skipped, not as a pass. Folders the judge does not
check (slow_accepted/, say) are reported as warnings and skipped, as problemtools does; 2023-07
packages are checked against their per-test rules (submissions/expectations.yaml), legacy ones
with MLE counted as RE, as problemtools does (docs/problems.md).

When problem.yaml fixes no time limit, the accepted submissions run first and the limit is
computed the Kattis way (slowest × time multiplier, rounded up); time-limit-exceeded submissions
run at limit × safety margin.

--local judges in this process with the local Docker engine (needs the judged binary for the
in-container agent: --agent, else judged next to judgectl or on PATH). Without --local the
package is pushed to the server (as --slug, default DIR's name) and every single-file
submission is submitted there; the server's time limit applies (computed by the server from the
accepted submissions when problem.yaml fixes none, as 'problem push' shows), and folder
submissions are skipped.

Exit codes: 0 every submission as expected, 1 a mismatch, 3 a broken package or judge error.`,
		Example: `  judgectl problem verify --local examples/problems/sum`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return problemVerifyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Local, "local", false, "judge locally with Docker instead of on the server")
	cmd.Flags().StringVar(&opts.Slug, "slug", "", "server mode: problem slug to push as (default: the directory's name)")
	cmd.Flags().StringVar(&opts.Agent, "agent", "", "path of a static judged binary for the sandbox agent (default: judged next to judgectl, or on PATH)")
	cmd.Flags().StringVar(&opts.Mode, "mode", defaultSandboxMode, "sandbox mode: fresh or reuse")
	cmd.Flags().StringVar(&opts.Languages, "languages", "", "language table YAML (default: built-in)")
	addOutputFlag(cmd, &opts.Format, formatTable)
	cmd.Flags().DurationVar(&opts.Probe, "probe-time", 10*time.Second, "CPU limit for accepted submissions when the time limit is computed")
	return cmd
}

func problemVerifyRun(ctx context.Context, opts *ProblemVerifyOptions) error {
	p, err := problem.Load(opts.Dir)
	if err != nil {
		return err
	}
	if !opts.Local {
		return problemVerifyServer(ctx, opts, p)
	}
	langs, err := lang.Load(opts.Languages)
	if err != nil {
		return err
	}
	agentPath, err := findAgent(opts.Agent)
	if err != nil {
		return err
	}
	local, err := openLocalEngine(ctx, langs, opts.Mode, agentPath)
	if err != nil {
		return err
	}
	defer local.Close(context.WithoutCancel(ctx))
	avail := func(l lang.Language) bool { return local.Available(ctx, l) }
	name := p.Name
	if name == "" {
		name = filepath.Base(filepath.Clean(opts.Dir))
	}
	table := opts.Format == formatTable
	if table {
		fmt.Fprintf(opts.IO.Out, "verifying %s (%s, %s, %d tests, %d submissions)\n", name, p.Format, p.Type, len(p.Tests()), len(p.Submissions))
	}
	bar := newProgress(opts.IO, int64(len(p.Submissions)), "judging", false)
	vopts := verify.Options{ProbeTimeLimit: opts.Probe, Available: avail}
	vopts.OnResult = func(r verify.Result) {
		if table {
			_ = bar.Clear() // the line goes where the bar was; the bar comes back below it
			fmt.Fprintln(opts.IO.Out, verify.Line(r))
		}
		_ = bar.Add(1)
	}
	rep, err := verify.Problem(ctx, p, langs, local.Engine, vopts)
	_ = bar.Clear()
	if err != nil {
		return err
	}
	if rep.Problem == "" {
		rep.Problem = name
	}
	if table {
		how := "fixed by problem.yaml"
		if rep.TimeLimitComputed {
			how = fmt.Sprintf("computed: slowest accepted %s × %g", rep.SlowestAC.Round(time.Millisecond), p.Limits.TimeMultiplier)
		}
		fmt.Fprintf(opts.IO.Out, "%s: time limit %s (%s)\n", rep.Problem, rep.TimeLimit, how)
		for _, w := range rep.Warnings {
			fmt.Fprintf(opts.IO.Out, "  WARN  %s\n", w)
		}
		for _, i := range rep.InputIssues {
			fmt.Fprintf(opts.IO.Out, "  INPUT %s\n", i)
		}
	}
	return verifySummary(opts, rep)
}

func verifySummary(opts *ProblemVerifyOptions, rep verify.Report) error {
	if opts.Format != formatTable {
		if err := writeData(opts.IO.Out, opts.Format, rep); err != nil {
			return err
		}
		if rep.Mismatches() > 0 {
			return &ExitError{Code: ExitRejected}
		}
		return nil
	}
	bad := rep.Mismatches() - len(rep.InputIssues)
	ok := len(rep.Results) - bad - rep.Skipped()
	fmt.Fprintf(opts.IO.Out, "%s: %d submissions: %d as expected, %d mismatched, %d skipped; %d invalid test inputs\n", rep.Problem, len(rep.Results), ok, bad, rep.Skipped(), len(rep.InputIssues))
	if rep.Mismatches() > 0 {
		return &ExitError{Code: ExitRejected}
	}
	return nil
}

// problemVerifyServer pushes the package and judges its submissions on the server.
func problemVerifyServer(ctx context.Context, opts *ProblemVerifyOptions, p *problem.Problem) error {
	slug := opts.Slug
	if slug == "" {
		slug = filepath.Base(filepath.Clean(opts.Dir))
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := problem.Pack(&buf, opts.Dir, problem.TarGz); err != nil {
		return err
	}
	up := newProgress(opts.IO, int64(buf.Len()), "uploading "+slug, true)
	pushed, err := c.PushProblem(ctx, slug, &buf, "application/gzip", client.WithUploadProgress(uploadProgress(up)))
	_ = up.Clear()
	if err != nil {
		return err
	}
	if pushed.Problem.State == apiv1.ProblemCalibrating {
		// The server computes the time limit first (as push shows): submissions are refused
		// until the version is active.
		w := opts.IO.Out
		if opts.Format != formatTable {
			w = opts.IO.ErrOut
		}
		settled, err := followCalibration(ctx, c, w, &pushed.Problem, opts.Poll)
		if err != nil {
			return err
		}
		if err := calibrationOutcome(w, settled); err != nil {
			return err
		}
		pushed.Problem = *settled
	}
	langs, err := c.Languages(ctx)
	if err != nil {
		return err
	}
	byExt := map[string]string{}
	for _, l := range langs {
		for _, e := range l.Extensions {
			if _, dup := byExt[e]; !dup {
				byExt[e] = l.ID
			}
		}
	}
	table := opts.Format == formatTable
	if table {
		fmt.Fprintf(opts.IO.Out, "verifying %s on %s (version %d, %d tests, %d submissions)\n", slug, c.BaseURL(), pushed.Problem.Version, len(p.Tests()), len(p.Submissions))
	}
	type pending struct {
		r   verify.Result
		sub problem.Submission
		id  string
	}
	var subs []pending
	for _, s := range p.Submissions {
		r := verify.Result{Path: s.Path, Expected: s.Expected}
		var name string
		var source []byte
		for n, data := range s.Files {
			name, source = n, data
		}
		switch {
		case len(s.Files) != 1:
			r.Skipped = "folder submissions are verified with --local only"
		case byExt[path.Ext(name)] == "":
			r.Skipped = fmt.Sprintf("the server has no language for %q", path.Ext(name))
		}
		if r.Skipped != "" {
			subs = append(subs, pending{r: r, sub: s})
			continue
		}
		r.Language = byExt[path.Ext(name)]
		acc, err := c.Submit(ctx, apiv1.SubmissionRequest{Language: r.Language, Source: string(source), Problem: slug}, "")
		if err != nil {
			return fmt.Errorf("submit %s: %w", s.Path, err)
		}
		subs = append(subs, pending{r: r, sub: s, id: acc.ID})
	}
	rep := verify.Report{Problem: p.Name}
	if rep.Problem == "" {
		rep.Problem = slug
	}
	bar := newProgress(opts.IO, int64(len(subs)), "judging", false)
	defer func() { _ = bar.Clear() }()
	for _, w := range p.Warnings {
		rep.Warnings = append(rep.Warnings, w.String())
		if table {
			fmt.Fprintf(opts.IO.Out, "  WARN  %s\n", w)
		}
	}
	for _, s := range subs {
		r := s.r
		if s.id != "" {
			got, err := waitDone(ctx, c, s.id, opts.Poll)
			if err != nil {
				return err
			}
			if r.Got, err = apiv1.ParseVerdict(got.Verdict); err != nil {
				return fmt.Errorf("submission %s of %s: %w", got.ID, s.sub.Path, err)
			}
			if got.Score != nil {
				r.Score = *got.Score
			}
			r.CPUTime = time.Duration(got.TimeMS) * time.Millisecond
			r.Limit = time.Duration(got.Limits.TimeMS) * time.Millisecond
			r.Detail = "submission " + got.ID
			var tests []problem.TestVerdict
			for _, t := range got.Tests {
				v, err := apiv1.ParseVerdict(t.Verdict)
				if err != nil {
					return fmt.Errorf("submission %s of %s, test %s: %w", got.ID, s.sub.Path, t.Name, err)
				}
				tests = append(tests, problem.TestVerdict{Name: t.Name, Verdict: v})
			}
			r = verify.Checked(p.Format, s.sub, r, tests)
		}
		if table {
			_ = bar.Clear()
			fmt.Fprintln(opts.IO.Out, verify.Line(r))
		}
		_ = bar.Add(1)
		rep.Results = append(rep.Results, r)
	}
	_ = bar.Clear()
	return verifySummary(opts, rep)
}

// waitDone polls a submission until the server has judged it.
func waitDone(ctx context.Context, c *client.Client, id string, every time.Duration) (*apiv1.Submission, error) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s, err := c.Submission(ctx, id)
		if err != nil {
			return nil, err
		}
		if s.Status == apiv1.StatusDone {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for submission %s: %w", id, ctx.Err())
		case <-t.C:
		}
	}
}

// findAgent locates the static judged binary the sandbox mounts into its containers.
func findAgent(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "judged")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	p, err := exec.LookPath("judged")
	if err != nil {
		return "", errors.New("no judged binary for the sandbox agent: pass --agent PATH (build one with CGO_ENABLED=0 go build ./cmd/judged)")
	}
	return p, nil
}
