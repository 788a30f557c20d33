package judgectlcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/internal/judgectlcmd/loadgen"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/client"
)

// BenchOptions are the inputs of `judgectl bench`.
type BenchOptions struct {
	IO     *IOStreams
	Client func() (*client.Client, error)

	Rate        float64
	Duration    time.Duration
	File        string
	Lang        string
	Problem     string
	Concurrency int
	Drain       time.Duration
	Format      string
	SLOP99      time.Duration

	// Server-side cost (all optional): judged's /metrics endpoints, a local stack's directory
	// (PostgreSQL and Kafka pid files) and the judge's database for its statistics views.
	Metrics     []string
	StackDir    string
	DatabaseURL string
}

func newBenchCmd(f *Factory, runF func(context.Context, *BenchOptions) error) *cobra.Command {
	opts := &BenchOptions{IO: f.IO, Client: f.Client}
	cmd := &cobra.Command{
		Use:         "bench",
		Annotations: map[string]string{annotationExitStatus: "0\tdone, and the --slo-p99 met if given\n1\t--slo-p99 missed, or an accepted submission got no verdict\n3\tnothing accepted, usage error or no server\n130\tinterrupted by SIGINT (Ctrl-C); 143 for SIGTERM"},
		Short:       "Load the judge at a constant arrival rate and report throughput and latency percentiles",
		Long: `bench is an open-loop load generator: it sends --rate submissions per second for
--duration at scheduled times, whatever the server does, and measures every latency from the
scheduled time (so a slow server cannot hide behind a slower send rate: no coordinated
omission). Each accepted submission is followed to its verdict over the event stream.

The report gives the offered and achieved rate, what the API accepted and rejected, completed
submissions and their verdicts, API latency (scheduled → 202) and end-to-end latency
(scheduled → verdict) as p50/p90/p99/max, and the backlog left at the end.

Exit codes: 0 done (and the SLO met), 1 --slo-p99 missed (end-to-end p99 above it, or an
accepted submission without a verdict), 3 error (nothing accepted, bad flags, no server).`,
		Example: `  judgectl bench --rate 30 --duration 60s
  judgectl bench --rate 5 --duration 10s --file sol.cpp --problem sum --slo-p99 2s -o json`,
		Args: exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := opts.config()
			if err := cfg.Validate(); err != nil {
				return &FlagError{Err: err}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return benchRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.Float64Var(&opts.Rate, "rate", 30, "submissions per second")
	fl.DurationVar(&opts.Duration, "duration", 60*time.Second, "how long to send")
	fl.StringVar(&opts.File, "file", "examples/bench/hello.py", "source file to submit")
	fl.StringVarP(&opts.Lang, "lang", "l", "", "language ID (default: detected from the extension)")
	fl.StringVarP(&opts.Problem, "problem", "p", "", "problem slug (default: an ad-hoc run with empty input)")
	fl.IntVar(&opts.Concurrency, "concurrency", 1000, "most submissions in flight (sent, not yet judged)")
	fl.DurationVar(&opts.Drain, "drain", 60*time.Second, "how long to wait for verdicts after the last send")
	addOutputFlag(cmd, &opts.Format, formatTable)
	fl.DurationVar(&opts.SLOP99, "slo-p99", 0, "fail (exit 1) when the end-to-end p99 is above this")
	fl.StringSliceVar(&opts.Metrics, "metrics", nil, "judged /metrics URLs whose process CPU to count (default: the server's /metrics)")
	fl.StringVar(&opts.StackDir, "stack-dir", "", "a local stack's directory (.stack): count PostgreSQL's and Kafka's CPU from /proc")
	fl.StringVar(&opts.DatabaseURL, "database-url", "", "the judge's database: count its transactions and statements, and only its PostgreSQL backends' CPU")
	_ = cmd.RegisterFlagCompletionFunc("lang", f.completeLanguages())
	_ = cmd.RegisterFlagCompletionFunc("problem", f.completeProblems())
	return cmd
}

func (o *BenchOptions) config() loadgen.Config {
	return loadgen.Config{Rate: o.Rate, Duration: o.Duration, Concurrency: o.Concurrency, Drain: o.Drain}
}

// benchTarget submits one fixed request and follows each submission to its verdict.
type benchTarget struct {
	c   *client.Client
	req apiv1.SubmissionRequest
}

func (t benchTarget) Submit(ctx context.Context) (string, error) {
	acc, err := t.c.Submit(ctx, t.req, client.NewIdempotencyKey())
	if err != nil {
		return "", err
	}
	return acc.ID, nil
}

func (t benchTarget) Await(ctx context.Context, id string) (string, error) {
	var verdict string
	err := t.c.Follow(ctx, id, client.FollowOptions{}, func(e apiv1.Event) error {
		if e.Type == apiv1.EventDone && e.Submission != nil {
			verdict = e.Submission.Verdict
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if verdict == "" {
		s, err := t.c.Submission(ctx, id)
		if err != nil {
			return "", err
		}
		verdict = s.Verdict
	}
	return verdict, nil
}

// BenchResult is the JSON report.
type BenchResult struct {
	*loadgen.Report
	Language string       `json:"language"`
	Problem  string       `json:"problem,omitempty"`
	File     string       `json:"file"`
	Server   *apiv1.Stats `json:"server_stats_at_end,omitempty"`
	SLOP99   string       `json:"slo_p99,omitempty"`
	SLOMet   *bool        `json:"slo_met,omitempty"`
	// Cost is the server-side work per completed submission, one entry per probe.
	Cost []loadgen.Cost `json:"server_cost,omitempty"`
}

func benchRun(ctx context.Context, opts *BenchOptions) error {
	reqs, err := prepareSubmissions(ctx, &SubmitOptions{IO: opts.IO, Files: []string{opts.File}, Lang: opts.Lang, Problem: opts.Problem, Client: opts.Client})
	if err != nil {
		return fmt.Errorf("%w (choose the program with --file)", err)
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	cfg := opts.config()
	total := int64(opts.Rate*opts.Duration.Seconds() + 0.5)
	bar := newProgress(opts.IO, total, "judged", false)
	cfg.OnEvent = func(e loadgen.Event) {
		if e == loadgen.Done {
			_ = bar.Add(1)
		}
	}
	if opts.IO.ErrTTY {
		fmt.Fprintf(opts.IO.ErrOut, "Sending %.4g/s for %s to %s …\n", opts.Rate, opts.Duration, c.BaseURL())
	}
	probes, closeProbes, err := opts.costProbes(c)
	if err != nil {
		return err
	}
	defer closeProbes()
	before := sampleAll(ctx, probes)
	rep, err := loadgen.Run(ctx, cfg, benchTarget{c: c, req: reqs[0].req})
	_ = bar.Finish()
	if err != nil {
		return err
	}
	res := BenchResult{Report: rep, Language: reqs[0].req.Language, Problem: opts.Problem, File: opts.File}
	if opts.DatabaseURL != "" && ctx.Err() == nil {
		// The statistics views lag behind idle backends; the CPU samples wait with them.
		if opts.IO.ErrTTY {
			fmt.Fprintf(opts.IO.ErrOut, "Waiting %s for PostgreSQL's statistics …\n", loadgen.Settle)
		}
		select {
		case <-ctx.Done():
		case <-time.After(loadgen.Settle):
		}
	}
	res.Cost = measureCosts(context.WithoutCancel(ctx), probes, before, rep.Completed)
	statsCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if st, err := c.Stats(statsCtx); err == nil {
		res.Server = st
	}
	var sloErr error
	if opts.SLOP99 > 0 {
		met := rep.E2ELatency.P99 <= opts.SLOP99 && rep.Backlog == 0 && rep.AwaitErrors == 0
		res.SLOP99, res.SLOMet = opts.SLOP99.String(), &met
		if !met {
			sloErr = &ExitError{Code: ExitRejected}
		}
	}
	if opts.Format != formatTable {
		if err := writeData(opts.IO.Out, opts.Format, res); err != nil {
			return err
		}
	} else {
		writeBenchReport(opts.IO.Out, res)
	}
	if rep.Accepted == 0 {
		msg := "no submission was accepted"
		if rep.FirstError != "" {
			msg += ": " + rep.FirstError
		}
		return errors.New(msg)
	}
	return sloErr
}

func fmtLatency(l loadgen.Latency) string {
	if l.Count == 0 {
		return "-"
	}
	r := func(d time.Duration) string {
		switch {
		case d >= time.Second:
			return d.Round(time.Millisecond).String()
		case d >= time.Millisecond:
			return d.Round(100 * time.Microsecond).String()
		}
		return d.Round(time.Microsecond).String()
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s  (n=%d)", r(l.P50), r(l.P90), r(l.P99), r(l.Max), l.Count)
}

func writeBenchReport(w io.Writer, res BenchResult) {
	r := res.Report
	target := "ad-hoc run"
	if res.Problem != "" {
		target = "problem " + res.Problem
	}
	fmt.Fprintf(w, "Load         %.4g/s for %s: %s, %s (%s)\n", r.Rate, r.Duration, target, res.File, res.Language)
	fmt.Fprintf(w, "Offered      %d submissions, %.2f/s\n", r.Scheduled, r.OfferedRate)
	rej := ""
	if len(r.RejectedByStatus) > 0 {
		var parts []string
		for _, st := range slices.Sorted(maps.Keys(r.RejectedByStatus)) {
			parts = append(parts, fmt.Sprintf("%d×%d", r.RejectedByStatus[st], st))
		}
		rej = " (" + strings.Join(parts, ", ") + ")"
	}
	fmt.Fprintf(w, "API          accepted %d (%.2f/s), rejected %d%s, network errors %d, unsent %d\n",
		r.Accepted, r.AchievedRate, r.Rejected, rej, r.Errors, r.Unsent)
	fmt.Fprintf(w, "Completed    %d, backlog at end %d, follow errors %d\n", r.Completed, r.Backlog, r.AwaitErrors)
	var vs []string
	for _, v := range slices.Sorted(maps.Keys(r.Verdicts)) {
		vs = append(vs, fmt.Sprintf("%s %d", v, r.Verdicts[v]))
	}
	if len(vs) == 0 {
		vs = []string{"-"}
	}
	fmt.Fprintf(w, "Verdicts     %s\n", strings.Join(vs, ", "))
	fmt.Fprintf(w, "Send lag     %s\n", fmtLatency(r.SendLag))
	fmt.Fprintf(w, "API latency  %s\n", fmtLatency(r.APILatency))
	fmt.Fprintf(w, "End to end   %s\n", fmtLatency(r.E2ELatency))
	if res.Server != nil {
		fmt.Fprintf(w, "Server       queued %d, running %d, done last minute %d, workers %d, relay lag %d ms\n",
			res.Server.Queued, res.Server.Running, res.Server.DoneLastMin, res.Server.WorkersAlive, res.Server.RelayLagMS)
	}
	writeCost(w, res.Cost)
	if res.SLOMet != nil {
		state := "met"
		if !*res.SLOMet {
			state = "MISSED"
		}
		fmt.Fprintf(w, "SLO          end-to-end p99 ≤ %s: %s\n", res.SLOP99, state)
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "First error  %s\n", r.FirstError)
	}
}
