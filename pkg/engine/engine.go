// Package engine owns judging one submission end to end, the one place that does it for the
// worker, `judgectl problem verify --local`, `judged sandbox run` and the sandbox benchmark:
// compile the submission (with the problem's include files), compile the problem's output
// validators or interactor the way problemtools builds package programs, and grade the
// submission with pkg/judge, or run it once ad hoc. It runs programs only through a Compiler
// and the pkg/run interfaces, so it has no sandbox of its own and is unit-tested with fakes;
// pkg/engine/sandboxed wires the Docker sandbox in. It merges no limits: callers pass the
// resolved run.Limits (ProblemLimits is the one function that resolves them from a problem).
package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/judge-dev/judge/pkg/judge"
	"github.com/judge-dev/judge/pkg/judge/verdict"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/run"
)

// Compiler compiles files in a language (one of the table, or lang.BuildRun). It returns a
// nil executable unless the status is OK (CE is the program's fault, not an error); an error
// only for the judge's own failure. The executable must be closed by the caller.
type Compiler interface {
	// Compile compiles files in l; entry names the main file of a multi-file program ("" lets
	// the language choose).
	Compile(ctx context.Context, l lang.Language, files map[string][]byte, entry string) (run.Executable, run.Compiled, error)
}

// Engine compiles and judges submissions with one Compiler and language table.
type Engine struct {
	c     Compiler
	langs *lang.Table
}

// New returns an Engine compiling with c; langs picks the language of package programs.
func New(c Compiler, langs *lang.Table) *Engine { return &Engine{c: c, langs: langs} }

// Submission is a program to judge: its language and its source files.
type Submission struct {
	Language lang.Language
	Files    map[string][]byte
	// Entry is the main file of a multi-file submission (run, or holding the main class);
	// "" lets the language choose.
	Entry string
}

// Result is a judged submission: how it compiled and, unless that failed, how it was graded.
// A compile error is Outcome.Verdict CE with the compiler's output in Compiled.Output.
type Result struct {
	Compiled run.Compiled
	Outcome  judge.Outcome
}

// Compile compiles sub. The executable is nil unless Compiled.Status is OK.
func (e *Engine) Compile(ctx context.Context, sub Submission) (run.Executable, run.Compiled, error) {
	exe, c, err := e.c.Compile(ctx, sub.Language, sub.Files, sub.Entry)
	if err != nil {
		return nil, c, fmt.Errorf("compile %s: %w", sub.Language.ID, err)
	}
	switch c.Status {
	case run.OK:
		if exe == nil {
			return nil, c, errors.New("compile: the compiler returned no program")
		}
		return exe, c, nil
	case run.CE:
		closeExe(exe)
		return nil, c, nil
	default:
		closeExe(exe)
		return nil, c, fmt.Errorf("compile %s: status %s: %s", sub.Language.ID, c.Status, run.Text(c.Output, 4<<10))
	}
}

// Run compiles sub and runs it once with spec, measuring without judging (`judged sandbox
// run`, the benchmark). The result is nil when it did not compile.
func (e *Engine) Run(ctx context.Context, sub Submission, spec run.Spec) (run.Compiled, *run.Result, error) {
	exe, c, err := e.Compile(ctx, sub)
	if err != nil || exe == nil {
		return c, nil, err
	}
	defer exe.Close()
	r, err := exe.Run(ctx, spec)
	if err != nil {
		return c, nil, fmt.Errorf("run: %w", err)
	}
	return c, &r, nil
}

// AdHoc compiles sub and judges one run of it on spec without a problem: against expected with
// the default validator when hasExpected, else a clean run is AC.
func (e *Engine) AdHoc(ctx context.Context, sub Submission, spec run.Spec, expected []byte, hasExpected bool) (Result, error) {
	exe, c, err := e.Compile(ctx, sub)
	if err != nil {
		return Result{Compiled: c}, err
	}
	if exe == nil {
		return Result{Compiled: c, Outcome: judge.Outcome{Verdict: verdict.CE}}, nil
	}
	defer exe.Close()
	out, err := judge.JudgeAdHoc(ctx, exe, spec, expected, hasExpected)
	return Result{Compiled: c, Outcome: out}, err
}

// Problem is a problem ready to judge submissions: its output validators (or interactor) are
// compiled once for all of them. Close releases them.
type Problem struct {
	e          *Engine
	p          *problem.Problem
	validators []run.Executable
}

// Prepare compiles p's output validators (the interactor of an interactive problem); a package
// without a custom validator uses the default one and compiles nothing.
func (e *Engine) Prepare(ctx context.Context, p *problem.Problem) (*Problem, error) {
	pp := &Problem{e: e, p: p}
	if p.OutputValidator == nil {
		return pp, nil
	}
	for _, v := range append([]problem.Program{*p.OutputValidator}, p.MoreOutputValidators...) {
		exe, err := e.CompileProgram(ctx, &v)
		if err != nil {
			pp.Close()
			return nil, fmt.Errorf("output validator: %w", err)
		}
		pp.validators = append(pp.validators, exe)
	}
	return pp, nil
}

// Close releases the compiled validators.
func (pp *Problem) Close() {
	for _, v := range pp.validators {
		v.Close()
	}
	pp.validators = nil
}

// Judge compiles sub with the problem's include files for its language and grades it on every
// test under lim, calling onTest (if not nil) after each test. The error is set only for a
// judge failure.
func (pp *Problem) Judge(ctx context.Context, sub Submission, lim run.Limits, onTest func(judge.TestOutcome)) (Result, error) {
	sub.Files = pp.p.IncludeFor(sub.Language.ID, sub.Files)
	exe, c, err := pp.e.Compile(ctx, sub)
	if err != nil {
		return Result{Compiled: c}, err
	}
	if exe == nil {
		return Result{Compiled: c, Outcome: judge.Outcome{Verdict: verdict.CE}}, nil
	}
	defer exe.Close()
	out, err := pp.judge(ctx, exe, lim, onTest)
	return Result{Compiled: c, Outcome: out}, err
}

func (pp *Problem) judge(ctx context.Context, exe run.Executable, lim run.Limits, onTest func(judge.TestOutcome)) (judge.Outcome, error) {
	p := pp.p
	cfg := judge.Config{Limits: lim, ValidatorLimits: run.Limits{CPUTime: p.Limits.ValidationTime, MemoryBytes: p.Limits.ValidationMemoryBytes}}
	if len(pp.validators) > 0 {
		if p.Interactive {
			cfg.Interactor = pp.validators[0]
		} else {
			vs := make([]run.Program, len(pp.validators))
			for i, v := range pp.validators {
				vs[i] = v
			}
			cfg.Validator = judge.Validators(vs...)
		}
	}
	return judge.New(cfg).Judge(ctx, exe, p, onTest)
}

// CompileProgram compiles a package program (output or input validator, interactor) as
// problemtools builds one: build/run scripts when present, else every source file of the
// language most of its files are in (headers and data files are carried along). A program
// that does not compile is an error: the package is broken.
func (e *Engine) CompileProgram(ctx context.Context, prog *problem.Program) (run.Executable, error) {
	l, ok := e.langs.ForProgram(slices.Sorted(maps.Keys(prog.Files)))
	if !ok {
		return nil, fmt.Errorf("%s: no file in a language this judge knows and no build/run script", prog.Name)
	}
	exe, c, err := e.Compile(ctx, Submission{Language: l, Files: prog.Files})
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", prog.Name, err)
	}
	if exe == nil {
		return nil, fmt.Errorf("%s does not compile: %s", prog.Name, run.Text(c.Output, 4<<10))
	}
	return exe, nil
}

// ProblemLimits is the resolution of a problem submission's limits where no server resolved
// them (`problem verify --local`): over's non-zero fields, else the problem's (time, memory,
// output), else zero (the sandbox's default). A server's submissions carry limits resolved
// once, when they were accepted (store.ResolveLimits), and are judged under those as they are.
func ProblemLimits(p *problem.Problem, over run.Limits) run.Limits {
	out := over
	if out.CPUTime <= 0 {
		out.CPUTime = p.Limits.TimeLimit
	}
	if out.MemoryBytes <= 0 {
		out.MemoryBytes = p.Limits.MemoryBytes
	}
	if out.OutputBytes <= 0 {
		out.OutputBytes = p.Limits.OutputBytes
	}
	return out
}

func closeExe(exe run.Executable) {
	if exe != nil {
		exe.Close()
	}
}
