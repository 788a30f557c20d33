// Package verify owns problem verification, as Kattis's verifyproblem does it: judge every
// example submission of a package and compare what it got with what its folder (or its
// @EXPECTED_RESULTS@ comment) expects, computing the time limit from the accepted submissions
// when problem.yaml does not fix one. It compiles and judges through the engine the caller
// provides (pkg/engine, wired to the sandbox by `judgectl problem verify --local`), so it
// imports no sandbox and does no I/O of its own.
package verify

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/judge-dev/judge/pkg/engine"
	"github.com/judge-dev/judge/pkg/judge/verdict"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/run"
)

// Options tune a verification.
type Options struct {
	// ProbeTimeLimit is the CPU limit accepted submissions run under when the time limit is to
	// be computed (default problem.ProbeTimeLimit).
	ProbeTimeLimit time.Duration
	// Available says whether a language can run here (its image exists); nil means all.
	Available func(lang.Language) bool
	// OnResult is called after each submission.
	OnResult func(Result)
}

// Result is one submission's verification.
type Result struct {
	Path     string            `json:"path"`
	Language string            `json:"language,omitempty"`
	Expected []verdict.Verdict `json:"expected"`
	Got      verdict.Verdict   `json:"got,omitempty"`
	Score    float64           `json:"score,omitempty"`
	MaxScore float64           `json:"max_score,omitempty"`
	// CPUTime is the slowest test's; Limit the CPU limit it ran under (nanoseconds in JSON).
	CPUTime time.Duration `json:"cpu_time"`
	Limit   time.Duration `json:"limit"`
	// Skipped explains why the submission was not judged (no such language here).
	Skipped string `json:"skipped,omitempty"`
	// Detail is the first rejected test and its feedback, or the compiler's message.
	Detail string `json:"detail,omitempty"`
	// Rules are the 2023-07 expectations on its tests' verdicts, when it has any.
	Rules []string `json:"rules,omitempty"`
	// Mismatch says which expectation the submission did not meet; empty when it met them all.
	Mismatch string `json:"mismatch,omitempty"`
}

// OK says whether the submission met what its package expects (a skipped one is not OK, but
// not a mismatch either).
func (r Result) OK() bool { return r.Skipped == "" && r.Got != "" && r.Mismatch == "" }

// Checked fills r's Got-dependent fields: whether s, which got r.Got with tests' verdicts, met
// its expectations in a package of format (problem.Submission.Check, the legacy verdict mapping
// included). Server-side verification uses it too.
func Checked(format string, s problem.Submission, r Result, tests []problem.TestVerdict) Result {
	for _, rule := range s.Rules {
		r.Rules = append(r.Rules, rule.String())
	}
	if ok, why := s.Check(format, r.Got, tests); !ok {
		r.Mismatch = why
	}
	return r
}

// Report is a whole verification.
type Report struct {
	Problem   string        `json:"problem"`
	TimeLimit time.Duration `json:"time_limit"`
	// TimeLimitComputed is set when TimeLimit came from the accepted submissions.
	TimeLimitComputed bool          `json:"time_limit_computed"`
	SlowestAC         time.Duration `json:"slowest_accepted"`
	Results           []Result      `json:"results"`
	// InputIssues are the test inputs an input validator rejected ("secret/1: check.py: ...").
	InputIssues []string `json:"input_issues,omitempty"`
	// Warnings are the package's parts the judge skipped (problem.Problem.Warnings).
	Warnings []string `json:"warnings,omitempty"`
}

// Mismatches counts the submissions that did not get an expected verdict, and the test inputs
// an input validator rejected.
func (r Report) Mismatches() int {
	n := len(r.InputIssues)
	for _, x := range r.Results {
		if !x.OK() && x.Skipped == "" {
			n++
		}
	}
	return n
}

// Skipped counts the submissions not judged.
func (r Report) Skipped() int {
	n := 0
	for _, x := range r.Results {
		if x.Skipped != "" {
			n++
		}
	}
	return n
}

// Problem verifies p: accepted submissions first (they fix a computed time limit), then the
// others; time-limit-exceeded submissions run at limit × safety margin so that they are known
// to fail with room to spare.
func Problem(ctx context.Context, p *problem.Problem, langs *lang.Table, eng *engine.Engine, opts Options) (Report, error) {
	if opts.ProbeTimeLimit <= 0 {
		opts.ProbeTimeLimit = problem.ProbeTimeLimit
	}
	rep := Report{Problem: p.Name}
	for _, w := range p.Warnings {
		rep.Warnings = append(rep.Warnings, w.String())
	}
	prepared, err := eng.Prepare(ctx, p)
	if err != nil {
		return rep, err
	}
	defer prepared.Close()

	issues, err := validateInputs(ctx, p, eng)
	if err != nil {
		return rep, err
	}
	rep.InputIssues = issues

	subs := slices.Clone(p.Submissions)
	sort.SliceStable(subs, func(i, j int) bool { return acceptedOnly(subs[i]) && !acceptedOnly(subs[j]) })
	limit := p.Limits.TimeLimit
	computed := limit == 0
	emit := func(r Result) {
		rep.Results = append(rep.Results, r)
		if opts.OnResult != nil {
			opts.OnResult(r)
		}
	}
	for i, s := range subs {
		isAC := acceptedOnly(s)
		if computed && !isAC && (i == 0 || acceptedOnly(subs[i-1])) {
			limit = p.Limits.ComputeTimeLimit(rep.SlowestAC)
		}
		lim := limit
		switch {
		case computed && isAC:
			lim = opts.ProbeTimeLimit
		case expectsTLE(s) && !isAC:
			lim = time.Duration(float64(limit) * p.Limits.SafetyMargin)
		}
		r, err := submission(ctx, p, prepared, s, langs, lim, opts)
		if err != nil {
			return rep, err
		}
		if isAC && r.OK() {
			rep.SlowestAC = max(rep.SlowestAC, r.CPUTime)
		}
		emit(r)
	}
	if computed {
		rep.TimeLimit, rep.TimeLimitComputed = p.Limits.ComputeTimeLimit(rep.SlowestAC), true
		// An accepted submission judged under the probe limit must also fit the computed one.
		for i, r := range rep.Results {
			if r.Limit != opts.ProbeTimeLimit {
				continue
			}
			if r.Got == verdict.AC && r.CPUTime > rep.TimeLimit {
				rep.Results[i].Got = verdict.TLE
				rep.Results[i].Mismatch = fmt.Sprintf("slower (%s) than the computed time limit", ms(r.CPUTime))
			}
			rep.Results[i].Limit = rep.TimeLimit
		}
	} else {
		rep.TimeLimit = limit
	}
	return rep, nil
}

func submission(ctx context.Context, p *problem.Problem, prepared *engine.Problem, s problem.Submission, langs *lang.Table, lim time.Duration, opts Options) (Result, error) {
	r := Result{Path: s.Path, Expected: s.Expected, Limit: lim}
	l, ok := languageOf(s.Files, langs)
	if !ok {
		r.Skipped = "no language of this judge matches its file extension"
		return r, nil
	}
	r.Language = l.ID
	if opts.Available != nil && !opts.Available(l) {
		r.Skipped = fmt.Sprintf("language %s is not available here (image %s missing)", l.ID, l.Image)
		return r, nil
	}
	res, err := prepared.Judge(ctx, engine.Submission{Language: l, Files: s.Files}, engine.ProblemLimits(p, run.Limits{CPUTime: lim}), nil)
	if err != nil {
		return r, fmt.Errorf("judge %s: %w", s.Path, err)
	}
	out := res.Outcome
	if out.Verdict == verdict.CE {
		r.Got = verdict.CE
		r.Detail = firstLine(run.Text(res.Compiled.Output, 0))
		return Checked(p.Format, s, r, nil), nil
	}
	r.Got, r.Score, r.MaxScore, r.CPUTime = out.Verdict, out.Score, out.MaxScore, out.MaxCPUTime
	var tests []problem.TestVerdict
	for _, t := range out.Tests {
		tests = append(tests, problem.TestVerdict{Name: t.Name, Verdict: t.Verdict})
	}
	r = Checked(p.Format, s, r, tests)
	for _, t := range out.Tests {
		if t.Verdict != verdict.AC {
			r.Detail = t.Name + ": " + string(t.Verdict)
			if t.Feedback != "" {
				r.Detail += " (" + firstLine(t.Feedback) + ")"
			}
			break
		}
	}
	return r, nil
}

// acceptedOnly is problem.Submission.AcceptedOnly: the server's calibration picks the same.
func acceptedOnly(s problem.Submission) bool { return s.AcceptedOnly() }

// expectsTLE says whether s must time out: it then runs at limit × safety margin.
func expectsTLE(s problem.Submission) bool {
	if len(s.Rules) > 0 {
		return slices.ContainsFunc(s.Rules, func(r problem.Rule) bool { return slices.Equal(r.Required, []verdict.Verdict{verdict.TLE}) })
	}
	return slices.Contains(s.Expected, verdict.TLE)
}

// validateInputs runs every input validator on every test input (`validator < input`, exit
// 42 = valid), as Kattis's verifyproblem does.
func validateInputs(ctx context.Context, p *problem.Problem, eng *engine.Engine) ([]string, error) {
	var issues []string
	for _, iv := range p.InputValidators {
		v := iv
		prog, err := eng.CompileProgram(ctx, &v)
		if err != nil {
			return nil, fmt.Errorf("input validator: %w", err)
		}
		for _, t := range p.Tests() {
			res, err := prog.Run(ctx, run.Spec{Stdin: t.Input, Limits: run.Limits{CPUTime: p.Limits.ValidationTime}})
			if err != nil {
				prog.Close()
				return nil, fmt.Errorf("input validator %s on %s: %w", v.Name, t.Name, err)
			}
			if res.ExitCode != verdict.ExitAccept || res.Signal != "" {
				msg := firstLine(run.Text(append(append([]byte{}, res.Stdout...), res.Stderr...), 64<<10))
				issues = append(issues, fmt.Sprintf("%s: input validator %s: %s exit %d %s %s", t.Name, v.Name, res.Status, res.ExitCode, res.Signal, msg))
			}
		}
		prog.Close()
	}
	return issues, nil
}

// languageOf picks the language of a submission from its files' extensions, as problemtools
// does: the language most of its files are in.
func languageOf(files map[string][]byte, langs *lang.Table) (lang.Language, bool) {
	return langs.Detect(slices.Sorted(maps.Keys(files)))
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return run.Text([]byte(s), 160)
}

// Print writes rep like Kattis's verifyproblem: one line per submission, then a summary.
func Print(w io.Writer, rep Report) {
	how := "fixed by problem.yaml"
	if rep.TimeLimitComputed {
		how = fmt.Sprintf("computed from the slowest accepted run, %s", ms(rep.SlowestAC))
	}
	fmt.Fprintf(w, "%s: time limit %s (%s)\n", rep.Problem, ms(rep.TimeLimit), how)
	for _, x := range rep.Warnings {
		fmt.Fprintf(w, "  WARN  %s\n", x)
	}
	for _, i := range rep.InputIssues {
		fmt.Fprintf(w, "  INPUT %s\n", i)
	}
	for _, r := range rep.Results {
		fmt.Fprintln(w, Line(r))
	}
	bad := rep.Mismatches() - len(rep.InputIssues)
	ok := len(rep.Results) - bad - rep.Skipped()
	fmt.Fprintf(w, "%s: %d submissions: %d as expected, %d mismatched, %d skipped; %d invalid test inputs\n", rep.Problem, len(rep.Results), ok, bad, rep.Skipped(), len(rep.InputIssues))
}

// Line is one submission's line of the report.
func Line(r Result) string {
	if r.Skipped != "" {
		return fmt.Sprintf("  SKIP  %-40s %s", r.Path, r.Skipped)
	}
	mark := "OK  "
	if !r.OK() {
		mark = "FAIL"
	}
	got := string(r.Got)
	if r.MaxScore > 0 {
		got = fmt.Sprintf("%s %g/%g", r.Got, r.Score, r.MaxScore)
	}
	limit := ms(r.Limit)
	if r.Limit == 0 {
		limit = "default"
	}
	expected := verdict.Join(r.Expected, ",")
	if len(r.Rules) > 0 {
		expected = "[" + strings.Join(r.Rules, "; ") + "]"
	}
	s := fmt.Sprintf("  %s  %-40s %-9s got %-12s expected %-8s %s / %s", mark, r.Path, r.Language, got, expected, ms(r.CPUTime), limit)
	if r.Mismatch != "" {
		s += "  " + r.Mismatch
	}
	if r.Detail != "" && (!r.OK() || r.Got != verdict.AC) {
		s += "  " + r.Detail
	}
	return s
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }
