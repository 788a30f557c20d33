package judge

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/judge-dev/judge/pkg/judge/verdict"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/run"
)

// Config is what a Judge needs beyond the submission: the problem's compiled validator and
// limit overrides.
type Config struct {
	// Validator is the compiled custom output validator; nil means the default validator.
	Validator run.Program
	// Interactor starts the validator of an interactive problem.
	Interactor run.Starter
	// Limits are what every run of the submission gets, already resolved by the caller (the
	// API at accept time, engine.ProblemLimits locally): the judge merges nothing.
	Limits run.Limits
	// ValidatorLimits limit each run of the validator.
	ValidatorLimits run.Limits
}

// Judge grades submissions of one problem version.
type Judge struct {
	cfg Config
}

// New returns a Judge for cfg.
func New(cfg Config) *Judge { return &Judge{cfg: cfg} }

// TestOutcome is the result of one test case.
type TestOutcome struct {
	// Index counts tests in judging order from 0.
	Index int
	// Name is the test's path under data/ without extension ("secret/g1/03").
	Name string
	// Group is the test's group ("secret/g1").
	Group string
	// Hidden is set for every test but the samples: its data must not be shown to the submitter.
	Hidden      bool
	Verdict     verdict.Verdict
	Score       float64
	CPUTime     time.Duration
	WallTime    time.Duration
	MemoryBytes int64
	ExitCode    int
	Signal      string
	// Feedback is the validator's judgemessage (or the default validator's reason).
	Feedback string
	// Stdout and Stderr are kept for samples and ad-hoc runs only.
	Stdout []byte
	Stderr []byte
	// Input and Answer are the test's data, kept for samples only, so a student sees what the
	// program was given and what was expected beside what it printed.
	Input  []byte
	Answer []byte

	validatorScore *float64 // from score.txt
}

// Outcome is the overall result of a submission.
type Outcome struct {
	// Verdict is AC, WA, TLE, MLE, OLE, RE, IE, or PA (scoring); the engine adds CE.
	Verdict verdict.Verdict
	// Score and MaxScore are set for scoring problems.
	Score    float64
	MaxScore float64
	Tests    []TestOutcome
	// MaxCPUTime and MaxMemoryBytes are over the tests that ran.
	MaxCPUTime     time.Duration
	MaxMemoryBytes int64
	// Message explains IE.
	Message string
}

// grade is the result of a test or a group under the default grader.
type grade struct {
	v     verdict.Verdict
	score float64
}

type judging struct {
	j       *Judge
	prog    run.Program
	p       *problem.Problem
	lim     run.Limits
	cmp     CompareOptions
	onTest  func(TestOutcome)
	out     *Outcome
	testErr error
}

// Judge runs prog on every test of p in order, following the problem's groups, on_reject and
// grading settings, and calls onTest (if not nil) after each test. The error is set only for a
// judge failure, and then the outcome's verdict is IE.
func (j *Judge) Judge(ctx context.Context, prog run.Program, p *problem.Problem, onTest func(TestOutcome)) (Outcome, error) {
	jg := &judging{j: j, prog: prog, p: p, onTest: onTest, out: &Outcome{}}
	jg.lim = j.cfg.Limits
	if p.Data == nil {
		return jg.fail(errors.New("problem has no test data"))
	}
	if p.Interactive {
		if _, ok := prog.(run.Starter); !ok {
			return jg.fail(errors.New("interactive problem: the submission cannot be started (wrap it with run.WithStart)"))
		}
		if j.cfg.Interactor == nil {
			return jg.fail(errors.New("interactive problem: no interactor (compiled validator) configured"))
		}
	} else if p.OutputValidator != nil && j.cfg.Validator == nil {
		return jg.fail(errors.New("problem has a custom output validator but none was compiled"))
	} else if p.Passes > 0 && j.cfg.Validator == nil {
		return jg.fail(errors.New("multi-pass problem: no output validator compiled"))
	}
	g := jg.group(ctx, p.Data, true)
	if jg.testErr != nil {
		return jg.fail(jg.testErr)
	}
	jg.out.Verdict = g.v
	if p.Type == problem.Scoring {
		if !p.ValidatorScores { // validator scores have no known maximum: never PA
			jg.out.MaxScore = maxScore(p.Data, true)
		}
		if g.v == verdict.AC {
			jg.out.Score = g.score
			if jg.out.MaxScore > 0 && g.score < jg.out.MaxScore-1e-9 {
				jg.out.Verdict = verdict.PA
			}
		}
	}
	return *jg.out, nil
}

func (jg *judging) fail(err error) (Outcome, error) {
	jg.out.Verdict = verdict.IE
	jg.out.Score = 0
	jg.out.Message = err.Error()
	return *jg.out, fmt.Errorf("judge: %w", err)
}

// group judges g's items in order; root is the data/ group.
func (jg *judging) group(ctx context.Context, g *problem.Group, root bool) grade {
	var subs []grade
	for i, it := range g.Items {
		if jg.testErr != nil {
			break
		}
		var r grade
		if it.Test != nil {
			r = jg.test(ctx, it.Test, g)
		} else {
			r = jg.group(ctx, it.Group, false)
		}
		if root && i == 0 && ignoresSample(g) {
			continue // judged for feedback, graded by nothing, stops nothing
		}
		subs = append(subs, r)
		if r.v != verdict.AC && g.Settings.OnReject != "continue" {
			break
		}
	}
	return aggregate(g, subs)
}

// ignoresSample says whether the root group g grades without its first item, the samples.
func ignoresSample(g *problem.Group) bool {
	return g.Settings.IgnoreSample && len(g.Items) > 0 && g.Items[0].Group != nil && g.Items[0].Group.Name == "sample"
}

// aggregate is the default grader of the legacy specification, with 2023-07 group scores.
func aggregate(g *problem.Group, subs []grade) grade {
	s := g.Settings
	out := grade{v: verdict.AC}
	anyAC := false
	for _, r := range subs {
		if r.v == verdict.AC {
			anyAC = true
		}
	}
	switch s.VerdictMode {
	case "always_accept":
	case "first_error":
		for _, r := range subs {
			if r.v != verdict.AC {
				out.v = r.v
				break
			}
		}
	default: // worst_error
		out.v = worst(subs)
	}
	if s.AcceptIfAnyAccepted && anyAC {
		out.v = verdict.AC
	}
	out.score = combine(s.ScoreMode, subs)
	if s.Score > 0 {
		if m := rawMax(g); m > 0 {
			out.score = s.Score * out.score / m
		}
	}
	if out.v != verdict.AC {
		out.score = 0 // the grader's score of a rejected result is ignored
	}
	return out
}

// worst is the worst_error combination of subs (verdict.Worst).
func worst(subs []grade) verdict.Verdict {
	vs := make([]verdict.Verdict, len(subs))
	for i, r := range subs {
		vs[i] = r.v
	}
	return verdict.Worst(vs...)
}

func combine(mode string, subs []grade) float64 {
	if len(subs) == 0 {
		return 0
	}
	sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, r := range subs {
		sum += r.score
		lo = math.Min(lo, r.score)
		hi = math.Max(hi, r.score)
	}
	switch mode {
	case "avg":
		return sum / float64(len(subs))
	case "min":
		return lo
	case "max":
		return hi
	default:
		return sum
	}
}

// rawMax is g's aggregate score, before scaling to Settings.Score, if every item is accepted.
func rawMax(g *problem.Group) float64 {
	var subs []grade
	for _, it := range g.Items {
		if it.Test != nil {
			subs = append(subs, grade{v: verdict.AC, score: g.Settings.AcceptScore})
		} else {
			subs = append(subs, grade{v: verdict.AC, score: maxScore(it.Group, false)})
		}
	}
	return combine(g.Settings.ScoreMode, subs)
}

// maxScore is g's score if every test is accepted.
func maxScore(g *problem.Group, root bool) float64 {
	var subs []grade
	for i, it := range g.Items {
		if root && i == 0 && ignoresSample(g) {
			continue
		}
		if it.Test != nil {
			subs = append(subs, grade{v: verdict.AC, score: g.Settings.AcceptScore})
		} else {
			subs = append(subs, grade{v: verdict.AC, score: maxScore(it.Group, false)})
		}
	}
	sc := combine(g.Settings.ScoreMode, subs)
	if g.Settings.Score > 0 {
		return g.Settings.Score
	}
	return sc
}

func (jg *judging) test(ctx context.Context, t *problem.Test, g *problem.Group) grade {
	flags := append(append([]string{}, jg.p.ValidatorFlags...), g.Settings.ValidatorFlags...)
	to := TestOutcome{Index: len(jg.out.Tests), Name: t.Name, Group: g.Name, Hidden: !t.Sample}
	var err error
	if jg.p.Interactive {
		err = jg.j.interactive(ctx, jg.prog.(run.Starter), t, flags, jg.lim, &to)
	} else {
		err = jg.j.batch(ctx, jg.prog, t, flags, jg.lim, jg.p.Passes, &to)
	}
	if err != nil {
		to.Verdict = verdict.IE
		jg.testErr = fmt.Errorf("test %s: %w", t.Name, err)
	}
	if to.Verdict == verdict.AC {
		to.Score = g.Settings.AcceptScore
		if jg.p.ValidatorScores && to.validatorScore != nil {
			to.Score = *to.validatorScore
		}
	} else {
		to.Score = g.Settings.RejectScore
	}
	if jg.p.Type != problem.Scoring {
		to.Score = 0
	}
	if to.Hidden {
		to.Stdout, to.Stderr = nil, nil
	} else {
		to.Input, to.Answer = t.Input, t.Answer
	}
	jg.out.Tests = append(jg.out.Tests, to)
	jg.out.MaxCPUTime = max(jg.out.MaxCPUTime, to.CPUTime)
	jg.out.MaxMemoryBytes = max(jg.out.MaxMemoryBytes, to.MemoryBytes)
	if jg.onTest != nil {
		jg.onTest(to)
	}
	return grade{v: to.Verdict, score: to.Score}
}

// batch runs a non-interactive test and validates its output. On a multi-pass problem (passes
// > 0) an accepting validator that writes feedback/nextpass.in starts another run of the
// submission on that input, up to passes runs; its other feedback files persist between passes,
// and the limits apply to each run.
func (j *Judge) batch(ctx context.Context, prog run.Program, t *problem.Test, flags []string, lim run.Limits, passes int, to *TestOutcome) error {
	input := t.Input
	var kept map[string][]byte
	var cpu, wall time.Duration
	var mem int64
	for pass := 1; ; pass++ {
		res, err := prog.Run(ctx, run.Spec{Stdin: input, Limits: lim})
		if err != nil {
			return fmt.Errorf("run submission (pass %d): %w", pass, err)
		}
		cpu, wall, mem = max(cpu, res.CPUTime), max(wall, res.WallTime), max(mem, res.MemoryBytes)
		fill(to, res)
		to.CPUTime, to.WallTime, to.MemoryBytes = cpu, wall, mem
		if res.Status != run.OK {
			return statusVerdict(res, to)
		}
		if j.cfg.Validator == nil {
			opts, err := ParseCompareFlags(flags)
			if err != nil {
				return fmt.Errorf("problem validator flags: %w", err)
			}
			ok, msg := Compare(t.Answer, res.Stdout, opts)
			to.Verdict, to.Feedback = verdictOf(ok), msg
			return nil
		}
		spec := validatorSpec(t, flags, res.Stdout, j.cfg.ValidatorLimits)
		for name, data := range kept {
			spec.Files["feedback/"+name] = data
		}
		vres, err := j.cfg.Validator.Run(ctx, spec)
		if err != nil {
			return fmt.Errorf("run output validator: %w", err)
		}
		next, more := vres.Files["nextpass.in"]
		if err := validatorVerdict(vres, to); err != nil || !more || passes == 0 {
			return err
		}
		switch {
		case to.Verdict != verdict.AC:
			return fmt.Errorf("output validator wrote nextpass.in and rejected (pass %d): a multi-pass validator asks for another pass only when it accepts", pass)
		case pass >= passes:
			return fmt.Errorf("output validator asked for pass %d, more than limits.validation_passes (%d)", pass+1, passes)
		}
		kept = maps.Clone(vres.Files)
		delete(kept, "nextpass.in")
		delete(kept, ".keep")
		input = next
	}
}

// feedbackBytes caps a validator's judgemessage kept as a test's feedback.
const feedbackBytes = 64 << 10

// validatorSpec is `validator input answer feedback_dir [flags] < stdin`, with the judge's
// files in the validator's own container only.
func validatorSpec(t *problem.Test, flags []string, stdin []byte, lim run.Limits) run.Spec {
	return run.Spec{
		Stdin:      stdin,
		Args:       append([]string{"judge.in", "judge.ans", "feedback/"}, flags...),
		Files:      map[string][]byte{"judge.in": t.Input, "judge.ans": t.Answer, "feedback/.keep": nil},
		CollectDir: "feedback",
		Limits:     lim,
	}
}

// validatorVerdict maps a validator's exit to the test's verdict: 42 accepts, 43 rejects,
// anything else is the judge's (the problem's) fault.
func validatorVerdict(v run.Result, to *TestOutcome) error {
	to.Feedback = strings.TrimSpace(run.Text(v.Files["judgemessage.txt"], feedbackBytes))
	if sc, err := strconv.ParseFloat(strings.TrimSpace(string(v.Files["score.txt"])), 64); err == nil && !math.IsNaN(sc) && !math.IsInf(sc, 0) {
		to.validatorScore = &sc
	}
	if v.Signal == "" && (v.Status == run.OK || v.Status == run.RE) {
		if vd, ok := verdict.OfValidatorExit(v.ExitCode); ok {
			to.Verdict = vd
			return nil
		}
	}
	return fmt.Errorf("output validator failed: status %s, exit code %d %s, stderr: %s", v.Status, v.ExitCode, v.Signal, run.Text(v.Stderr, 500))
}

// statusVerdict maps a sandbox status other than OK to the test's verdict.
func statusVerdict(res run.Result, to *TestOutcome) error {
	v, ok := verdict.OfStatus(res.Status)
	if !ok {
		return fmt.Errorf("sandbox status %s: %s", res.Status, res.Message)
	}
	to.Verdict = v
	return nil
}

func verdictOf(ok bool) verdict.Verdict {
	if ok {
		return verdict.AC
	}
	return verdict.WA
}

func fill(to *TestOutcome, r run.Result) {
	to.CPUTime, to.WallTime, to.MemoryBytes = r.CPUTime, r.WallTime, r.MemoryBytes
	to.ExitCode, to.Signal = r.ExitCode, r.Signal
	to.Stdout, to.Stderr = r.Stdout, r.Stderr
}

// JudgeAdHoc runs prog once on stdin (no problem) and, when hasExpected, compares its output
// with expected using the default validator; without an expected output a clean run is AC.
// spec says how to run it (stdin, arguments, limits, merged outputs).
func JudgeAdHoc(ctx context.Context, prog run.Program, spec run.Spec, expected []byte, hasExpected bool) (Outcome, error) {
	to := TestOutcome{Name: "adhoc"}
	res, err := prog.Run(ctx, spec)
	if err != nil {
		return Outcome{Verdict: verdict.IE, Message: err.Error()}, fmt.Errorf("judge ad hoc: %w", err)
	}
	fill(&to, res)
	switch {
	case res.Status != run.OK:
		if err := statusVerdict(res, &to); err != nil {
			return Outcome{Verdict: verdict.IE, Message: err.Error()}, fmt.Errorf("judge ad hoc: %w", err)
		}
	case hasExpected:
		ok, msg := Compare(expected, res.Stdout, DefaultCompareOptions())
		to.Verdict, to.Feedback = verdictOf(ok), msg
	default:
		to.Verdict = verdict.AC
	}
	return Outcome{Verdict: to.Verdict, Tests: []TestOutcome{to}, MaxCPUTime: to.CPUTime, MaxMemoryBytes: to.MemoryBytes}, nil
}

// Validators joins the output validators of a package that has several (legacy
// output_validators/ with several programs): each runs in turn, the first that does not accept
// decides, and when all accept the last one's result stands (its feedback files are the ones
// kept). With one validator it is that validator.
func Validators(vs ...run.Program) run.Program {
	if len(vs) == 1 {
		return vs[0]
	}
	return validators(vs)
}

type validators []run.Program

func (vs validators) Run(ctx context.Context, spec run.Spec) (run.Result, error) {
	var res run.Result
	for i, v := range vs {
		r, err := v.Run(ctx, spec)
		if err != nil {
			return r, fmt.Errorf("output validator %d of %d: %w", i+1, len(vs), err)
		}
		res = r
		if r.Signal != "" || r.ExitCode != verdict.ExitAccept {
			break
		}
	}
	return res, nil
}
