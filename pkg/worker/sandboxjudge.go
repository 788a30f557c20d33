package worker

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/judge-dev/judge/pkg/engine"
	"github.com/judge-dev/judge/pkg/judge"
	"github.com/judge-dev/judge/pkg/judge/verdict"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/srcfiles"
	"github.com/judge-dev/judge/pkg/store"
)

// keptOutput caps the stdout/stderr stored per test: enough to show a sample's output.
const keptOutput = 64 << 10

// keptMessage caps a stored message (an IE's reason).
const keptMessage = 4 << 10

// SandboxJudger is the real Judger: it judges the submission with the engine (wired to the
// sandbox by the caller) against its problem (loaded from the stored package, cached by the
// package's hash), or runs it once ad hoc.
type SandboxJudger struct {
	eng      *engine.Engine
	langs    *lang.Table
	problems *problemCache
}

// NewSandboxJudger wires the engine (sandboxed.New), the package store and the language table;
// loaded problems are kept up to problemCacheBytes of estimated memory (0: the default
// DefaultProblemCacheBytes; negative: none kept).
func NewSandboxJudger(eng *engine.Engine, pkgs PackageSource, langs *lang.Table, problemCacheBytes int64) *SandboxJudger {
	return &SandboxJudger{eng: eng, langs: langs, problems: newProblemCache(pkgs, problemCacheBytes)}
}

// Judge implements Judger.
func (j *SandboxJudger) Judge(ctx context.Context, sub store.Claimed, onTest func(store.TestResult)) (store.Verdict, error) {
	l, ok := j.langs.Get(sub.Language)
	if !ok {
		// The API accepted it, so the worker's table differs: the judge's fault, retried.
		return store.Verdict{}, fmt.Errorf("language %q is not in this worker's table", sub.Language)
	}
	files := map[string][]byte{sourceName(l): []byte(sub.Source)}
	entry := sub.Entry
	if sub.Files != nil {
		// A multi-file submission keeps its paths (the API refused paths that are not safe).
		files = srcfiles.Map(sub.Files)
	}
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
		res, err := j.eng.AdHoc(ctx, engine.Submission{Language: l, Files: files, Entry: entry}, spec, expected, sub.ExpectedOutput != nil)
		if err != nil {
			return store.Verdict{}, err
		}
		for _, t := range res.Outcome.Tests {
			report(t)
		}
		return verdictOf(res, false), nil
	}

	p, err := j.problems.get(ctx, sub.ProblemID)
	if err != nil {
		return store.Verdict{}, err
	}
	if inc := p.IncludeFor(l.ID, nil); len(inc) > 0 {
		// A driver of include/<language>/ is the main file (main.*), whatever entry the
		// submission named; a one-file submission keeps a name of its own beside it (the
		// engine adds the include files).
		entry = ""
		if sub.Files == nil {
			files = map[string][]byte{"submission" + path.Ext(sourceName(l)): []byte(sub.Source)}
		}
	}
	// The validators are compiled per submission: the sandbox caches compiles by source hash,
	// so this is cheap after the first.
	prepared, err := j.eng.Prepare(ctx, p)
	if err != nil {
		return store.Verdict{}, err
	}
	defer prepared.Close()
	// The claim's limits were resolved when the submission was accepted (store.ResolveLimits,
	// with the problem's limits in them): they are used as they are.
	res, err := prepared.Judge(ctx, engine.Submission{Language: l, Files: files, Entry: entry}, lim, report)
	if err != nil {
		return store.Verdict{}, err
	}
	return verdictOf(res, p.Type == problem.Scoring), nil
}

// sourceName is the file name a one-file submission gets; the sandbox renames it to the
// language's source file anyway.
func sourceName(l lang.Language) string {
	if len(l.Extensions) > 0 {
		return "main" + l.Extensions[0]
	}
	return "main"
}

func limitsOf(l store.Limits) run.Limits {
	return run.Limits{
		CPUTime:       time.Duration(l.TimeMS) * time.Millisecond,
		WallTime:      time.Duration(l.WallTimeMS) * time.Millisecond,
		MemoryBytes:   l.MemoryKB << 10,
		OutputBytes:   l.OutputKB << 10,
		Processes:     l.Processes,
		FileSizeBytes: l.FileSizeKB << 10,
	}
}

func verdictOf(res engine.Result, scoring bool) store.Verdict {
	out := res.Outcome
	v := store.Verdict{Verdict: string(out.Verdict), TimeMS: int(out.MaxCPUTime.Milliseconds()), MemoryKB: out.MaxMemoryBytes >> 10,
		CompileOutput: run.Text(res.Compiled.Output, keptOutput), Message: run.Text([]byte(out.Message), keptMessage)}
	if out.Verdict == verdict.CE {
		return v // nothing ran: no time, memory, tests or score
	}
	if scoring {
		s := out.Score
		v.Score = &s
	}
	for _, t := range out.Tests {
		v.Tests = append(v.Tests, testResult(t))
	}
	if v.Verdict == "" {
		v.Verdict = string(verdict.IE)
		v.Message = run.Text([]byte(errors.Join(errors.New("the judge returned no verdict"), errors.New(out.Message)).Error()), keptMessage)
	}
	return v
}

func testResult(t judge.TestOutcome) store.TestResult {
	return store.TestResult{Index: t.Index + 1, Name: t.Name, Group: t.Group, Hidden: t.Hidden, Verdict: string(t.Verdict),
		Score: t.Score, TimeMS: int(t.CPUTime.Milliseconds()), WallMS: int(t.WallTime.Milliseconds()),
		MemoryKB: t.MemoryBytes >> 10, ExitCode: t.ExitCode, Signal: t.Signal,
		Stdout: run.Text(t.Stdout, keptOutput), Stderr: run.Text(t.Stderr, keptOutput), Feedback: run.Text([]byte(t.Feedback), keptOutput),
		Input: run.Text(t.Input, keptOutput), Expected: run.Text(t.Answer, keptOutput)}
}
