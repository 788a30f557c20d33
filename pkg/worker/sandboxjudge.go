package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/judge"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
	"github.com/judge-dev/judge/pkg/srcfiles"
	"github.com/judge-dev/judge/pkg/store"
)

// Compiler is the part of the sandbox a SandboxJudger uses.
type Compiler interface {
	Compile(ctx context.Context, language string, files map[string][]byte) (*sandbox.Program, run.Compiled, error)
	CompileLanguage(ctx context.Context, l lang.Language, files map[string][]byte) (*sandbox.Program, run.Compiled, error)
	CompileEntry(ctx context.Context, language string, files map[string][]byte, entry string) (*sandbox.Program, run.Compiled, error)
}

// PackageSource reads problem packages; *store.Store satisfies it.
type PackageSource interface {
	GetProblemPackage(ctx context.Context, id int64) (store.ProblemPackage, error)
}

// keptOutput caps the stdout/stderr stored per test: enough to show a sample's output.
const keptOutput = 64 << 10

// keptMessage caps a stored message (an IE's reason).
const keptMessage = 4 << 10

// maxCachedProblems bounds the loaded packages kept in memory.
const maxCachedProblems = 64

// SandboxJudger is the real Judger: it compiles the submission in the sandbox and grades it
// with pkg/judge against its problem (loaded from the stored package, cached per version), or
// runs it once ad hoc.
type SandboxJudger struct {
	sb    Compiler
	pkgs  PackageSource
	langs *lang.Table

	mu       sync.Mutex
	problems map[int64]*loadedProblem
}

type loadedProblem struct {
	once sync.Once
	p    *problem.Problem
	pkg  store.ProblemPackage
	err  error
}

// NewSandboxJudger wires the sandbox, the package store and the language table.
func NewSandboxJudger(sb Compiler, pkgs PackageSource, langs *lang.Table) *SandboxJudger {
	return &SandboxJudger{sb: sb, pkgs: pkgs, langs: langs, problems: map[int64]*loadedProblem{}}
}

// Judge implements Judger.
func (j *SandboxJudger) Judge(ctx context.Context, sub store.Claimed, onTest func(apiv1.TestResult)) (store.Verdict, error) {
	l, ok := j.langs.Get(sub.Language)
	if !ok {
		// The API accepted it, so the worker's table differs: the judge's fault, retried.
		return store.Verdict{}, fmt.Errorf("language %q is not in this worker's table", sub.Language)
	}
	files := map[string][]byte{sourceName(l): []byte(sub.Source)}
	var p *problem.Problem
	if sub.ProblemID != 0 {
		var err error
		if p, err = j.problem(ctx, sub.ProblemID); err != nil {
			return store.Verdict{}, err
		}
		if inc := p.IncludeFor(l.ID, nil); len(inc) > 0 {
			// A driver of include/<language>/ is the main file (main.*): the submission keeps
			// a name of its own beside it.
			files = p.IncludeFor(l.ID, map[string][]byte{"submission" + path.Ext(sourceName(l)): []byte(sub.Source)})
		}
	}
	entry := sub.Entry
	if sub.Files != nil {
		// A multi-file submission keeps its paths; a problem's include/<language>/ files join
		// them (the API refused paths that are not safe), and their driver (main.*) is then the
		// program's main, whatever entry the submission named.
		files = srcfiles.Map(sub.Files)
		if p != nil && len(p.IncludeFor(l.ID, nil)) > 0 {
			files, entry = p.IncludeFor(l.ID, files), ""
		}
	}
	prog, compiled, err := j.sb.CompileEntry(ctx, sub.Language, files, entry)
	if err != nil {
		return store.Verdict{}, fmt.Errorf("compile: %w", err)
	}
	switch compiled.Status {
	case run.OK:
	case run.CE:
		return store.Verdict{Verdict: apiv1.VerdictCE, CompileOutput: run.Text(compiled.Output, keptOutput)}, nil
	default:
		return store.Verdict{}, fmt.Errorf("compile: status %s: %s", compiled.Status, compiled.Output)
	}
	defer prog.Close()
	lim := limitsOf(sub.Limits)
	report := func(t judge.TestOutcome) { onTest(testResult(t)) }

	if sub.ProblemID == 0 {
		var stdin, expected []byte
		if sub.Stdin != nil {
			stdin = []byte(*sub.Stdin)
		}
		if sub.ExpectedOutput != nil {
			expected = []byte(*sub.ExpectedOutput)
		}
		spec := run.Spec{Stdin: stdin, Args: sub.Args, Limits: lim, StderrToStdout: sub.StderrToStdout}
		out, err := judge.JudgeAdHoc(ctx, prog, spec, expected, sub.ExpectedOutput != nil)
		if err != nil {
			return store.Verdict{}, err
		}
		for _, t := range out.Tests {
			report(t)
		}
		return verdictOf(out, string(compiled.Output), false), nil
	}

	cfg := judge.Config{Limits: lim, ValidatorLimits: run.Limits{CPUTime: p.Limits.ValidationTime, MemoryBytes: p.Limits.ValidationMemoryBytes}}
	var subject judge.Program = prog
	if p.OutputValidator != nil {
		var vs []judge.Program
		for _, pv := range append([]problem.Program{*p.OutputValidator}, p.MoreOutputValidators...) {
			v, err := j.compileValidator(ctx, &pv)
			if err != nil {
				return store.Verdict{}, err
			}
			defer v.Close()
			vs = append(vs, v)
			if p.Interactive {
				cfg.Interactor = judge.Starts(v.Start)
				subject = judge.WithStart(prog, prog.Start)
			}
		}
		if !p.Interactive {
			cfg.Validator = judge.Validators(vs...)
		}
	}
	out, err := judge.New(cfg).Judge(ctx, subject, p, report)
	if err != nil {
		return store.Verdict{}, err
	}
	return verdictOf(out, string(compiled.Output), p.Type == problem.Scoring), nil
}

// problem loads (once) and caches problem version id.
func (j *SandboxJudger) problem(ctx context.Context, id int64) (*problem.Problem, error) {
	j.mu.Lock()
	lp, ok := j.problems[id]
	if !ok {
		if len(j.problems) >= maxCachedProblems {
			clear(j.problems)
		}
		lp = &loadedProblem{}
		j.problems[id] = lp
	}
	j.mu.Unlock()
	lp.once.Do(func() {
		lp.pkg, lp.err = j.pkgs.GetProblemPackage(ctx, id)
		if lp.err == nil {
			lp.p, lp.err = problem.LoadArchive(bytes.NewReader(lp.pkg.Archive))
		}
		if lp.err != nil {
			lp.err = fmt.Errorf("load problem %d: %w", id, lp.err)
			return
		}
		// The stored version carries the time limit computed when it was pushed.
		if lp.p.Limits.TimeLimit == 0 && lp.pkg.TimeLimitMS > 0 {
			lp.p.Limits.TimeLimit = time.Duration(lp.pkg.TimeLimitMS) * time.Millisecond
		}
	})
	if lp.err != nil {
		j.mu.Lock()
		if j.problems[id] == lp {
			delete(j.problems, id) // a database hiccup must not stick
		}
		j.mu.Unlock()
	}
	return lp.p, lp.err
}

// compileValidator compiles a custom validator as problemtools builds package programs
// (lang.Table.ForProgram); the sandbox caches the result by source hash, so this is cheap after
// the first.
func (j *SandboxJudger) compileValidator(ctx context.Context, v *problem.Program) (*sandbox.Program, error) {
	l, ok := j.langs.ForProgram(slices.Sorted(maps.Keys(v.Files)))
	if !ok {
		return nil, fmt.Errorf("output validator %s: no file in a known language and no build/run script", v.Name)
	}
	prog, c, err := j.sb.CompileLanguage(ctx, l, v.Files)
	if err != nil {
		return nil, fmt.Errorf("compile output validator %s: %w", v.Name, err)
	}
	if c.Status != run.OK {
		return nil, fmt.Errorf("compile output validator %s: %s: %s", v.Name, c.Status, c.Output)
	}
	return prog, nil
}

// sourceName is the file name a one-file submission gets; the sandbox renames it to the
// language's source file anyway.
func sourceName(l lang.Language) string {
	if len(l.Extensions) > 0 {
		return "main" + l.Extensions[0]
	}
	return "main"
}

func limitsOf(l apiv1.Limits) run.Limits {
	return run.Limits{
		CPUTime:       time.Duration(l.TimeMS) * time.Millisecond,
		WallTime:      time.Duration(l.WallTimeMS) * time.Millisecond,
		MemoryBytes:   l.MemoryKB << 10,
		OutputBytes:   l.OutputKB << 10,
		Processes:     l.Processes,
		FileSizeBytes: l.FileSizeKB << 10,
	}
}

func verdictOf(out judge.Outcome, compileOutput string, scoring bool) store.Verdict {
	v := store.Verdict{Verdict: out.Verdict, TimeMS: int(out.MaxCPUTime.Milliseconds()), MemoryKB: out.MaxMemoryBytes >> 10,
		CompileOutput: run.Text([]byte(compileOutput), keptOutput), Message: run.Text([]byte(out.Message), keptMessage)}
	if scoring {
		s := out.Score
		v.Score = &s
	}
	for _, t := range out.Tests {
		v.Tests = append(v.Tests, testResult(t))
	}
	if v.Verdict == "" {
		v.Verdict = apiv1.VerdictIE
		v.Message = run.Text([]byte(errors.Join(errors.New("the judge returned no verdict"), errors.New(out.Message)).Error()), keptMessage)
	}
	return v
}

func testResult(t judge.TestOutcome) apiv1.TestResult {
	return apiv1.TestResult{Index: t.Index + 1, Name: t.Name, Group: t.Group, Hidden: t.Hidden, Verdict: t.Verdict,
		Score: t.Score, TimeMS: int(t.CPUTime.Milliseconds()), WallMS: int(t.WallTime.Milliseconds()),
		MemoryKB: t.MemoryBytes >> 10, ExitCode: t.ExitCode, Signal: t.Signal,
		Stdout: run.Text(t.Stdout, keptOutput), Stderr: run.Text(t.Stderr, keptOutput), Feedback: run.Text([]byte(t.Feedback), keptOutput),
		Input: run.Text(t.Input, keptOutput), Expected: run.Text(t.Answer, keptOutput)}
}
