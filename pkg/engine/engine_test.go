package engine_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/engine"
	"github.com/judge-dev/judge/pkg/judge"
	"github.com/judge-dev/judge/pkg/judge/verdict"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/run"
)

// fakeCompiler "compiles" a source into a fakeExe whose behaviour its text names (see Run);
// "syntax error" is a CE, "judge fault" an error of the judge. It counts what is still open.
type fakeCompiler struct {
	mu       sync.Mutex
	open     int
	compiled []string
	specs    []run.Spec
}

func (c *fakeCompiler) Compile(_ context.Context, l lang.Language, files map[string][]byte, _ string) (run.Executable, run.Compiled, error) {
	var src strings.Builder
	for _, b := range files {
		src.Write(b)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.compiled = append(c.compiled, l.ID+":"+src.String())
	switch {
	case strings.Contains(src.String(), "syntax error"):
		return nil, run.Compiled{Status: run.CE, Output: []byte("main:1: syntax error")}, nil
	case strings.Contains(src.String(), "judge fault"):
		return nil, run.Compiled{Status: run.IE}, errors.New("docker went away")
	}
	c.open++
	return &fakeExe{c: c, src: src.String()}, run.Compiled{Status: run.OK, Output: []byte("warning: fake")}, nil
}

func (c *fakeCompiler) stillOpen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open
}

type fakeExe struct {
	c   *fakeCompiler
	src string
}

// Run: "validator" accepts (42) when its stdin equals the answer file, else rejects (43);
// "crash" is RE; "wrong" prints x; anything else echoes its stdin.
func (e *fakeExe) Run(_ context.Context, spec run.Spec) (run.Result, error) {
	e.c.mu.Lock()
	e.c.specs = append(e.c.specs, spec)
	e.c.mu.Unlock()
	switch {
	case strings.Contains(e.src, "validator"):
		code := verdict.ExitReject
		if string(spec.Stdin) == string(spec.Files["judge.ans"]) {
			code = verdict.ExitAccept
		}
		return run.Result{Status: run.RE, ExitCode: code}, nil
	case strings.Contains(e.src, "crash"):
		return run.Result{Status: run.RE, ExitCode: 1, CPUTime: time.Millisecond}, nil
	case strings.Contains(e.src, "wrong"):
		return run.Result{Status: run.OK, Stdout: []byte("x\n")}, nil
	}
	return run.Result{Status: run.OK, Stdout: spec.Stdin, CPUTime: 5 * time.Millisecond, MemoryBytes: 1 << 20}, nil
}

// Start: "interactor" asks "ping" and accepts the answer "ping"; "wrong" answers x whatever it
// is asked; anything else echoes what it reads until its input ends.
func (e *fakeExe) Start(_ context.Context, _ run.Spec) (run.Process, error) {
	switch {
	case strings.Contains(e.src, "interactor"):
		return startProc(func(in io.Reader, out io.Writer) run.Result {
			io.WriteString(out, "ping\n")
			line, _ := bufio.NewReader(in).ReadString('\n')
			if line == "ping\n" {
				return run.Result{Status: run.RE, ExitCode: verdict.ExitAccept}
			}
			return run.Result{Status: run.RE, ExitCode: verdict.ExitReject}
		}), nil
	case strings.Contains(e.src, "wrong"):
		return startProc(func(_ io.Reader, out io.Writer) run.Result {
			io.WriteString(out, "x\n")
			return run.Result{Status: run.OK}
		}), nil
	}
	return startProc(func(in io.Reader, out io.Writer) run.Result {
		io.Copy(out, in)
		return run.Result{Status: run.OK}
	}), nil
}

func (e *fakeExe) Close() error {
	e.c.mu.Lock()
	defer e.c.mu.Unlock()
	e.c.open--
	return nil
}

// proc is a started fake: f runs on the two pipes; once it returns, its stdout ends and writes
// to its stdin fail, as with a process that exited.
type proc struct {
	inR, outR *io.PipeReader
	inW, outW *io.PipeWriter
	done      chan run.Result
}

func startProc(f func(in io.Reader, out io.Writer) run.Result) *proc {
	p := &proc{done: make(chan run.Result, 1)}
	p.inR, p.inW = io.Pipe()
	p.outR, p.outW = io.Pipe()
	go func() {
		r := f(p.inR, p.outW)
		p.outW.Close()
		p.inR.CloseWithError(io.ErrClosedPipe)
		p.done <- r
	}()
	return p
}

func (p *proc) Stdin() io.WriteCloser     { return p.inW }
func (p *proc) Stdout() io.Reader         { return p.outR }
func (p *proc) Wait() (run.Result, error) { return <-p.done, nil }

func item(name, data string) problem.Item {
	return problem.Item{Test: &problem.Test{Name: name, Input: []byte(data), Answer: []byte(data), Sample: strings.HasPrefix(name, "sample")}}
}

func groups(items ...problem.Item) *problem.Problem {
	def := problem.DefaultSettings()
	// Limits a merging engine would pick up: the tests check that none does.
	return &problem.Problem{Type: problem.PassFail, Limits: problem.Limits{TimeLimit: 2 * time.Second, OutputBytes: 1 << 20}, Data: &problem.Group{Settings: def, Items: []problem.Item{
		{Group: &problem.Group{Name: "sample", Settings: def, Items: items[:1]}},
		{Group: &problem.Group{Name: "secret", Settings: def, Items: items[1:]}},
	}}}
}

func withValidator(p *problem.Problem, src string, interactive bool) *problem.Problem {
	p.OutputValidator = &problem.Program{Name: "check", Files: map[string][]byte{"check.py": []byte(src)}}
	p.Interactive = interactive
	return p
}

func TestEngineJudge(t *testing.T) {
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	py, _ := langs.Get("python3")
	three := func() *problem.Problem {
		return groups(item("sample/1", "1\n"), item("secret/1", "2\n"), item("secret/2", "3\n"))
	}
	tests := []struct {
		name       string
		p          *problem.Problem
		source     string
		want       verdict.Verdict
		wantTests  string // name=verdict of every judged test
		prepareErr string // Prepare fails with this
		judgeErr   string // Judge fails with this
	}{
		{name: "default validator accepts", p: three(), source: "echo", want: verdict.AC, wantTests: "sample/1=AC secret/1=AC secret/2=AC"},
		{name: "groups stop at the first rejection", p: three(), source: "wrong", want: verdict.WA, wantTests: "sample/1=WA"},
		{name: "runtime error", p: three(), source: "crash", want: verdict.RE, wantTests: "sample/1=RE"},
		{name: "compile error", p: three(), source: "syntax error", want: verdict.CE},
		{name: "compiler fault", p: three(), source: "judge fault", judgeErr: "docker went away"},
		{name: "custom validator accepts", p: withValidator(three(), "validator", false), source: "echo", want: verdict.AC, wantTests: "sample/1=AC secret/1=AC secret/2=AC"},
		{name: "custom validator rejects", p: withValidator(three(), "validator", false), source: "wrong", want: verdict.WA, wantTests: "sample/1=WA"},
		{name: "validator does not compile", p: withValidator(three(), "validator syntax error", false), source: "echo", prepareErr: "check does not compile: main:1: syntax error"},
		{name: "validator in no known language", p: func() *problem.Problem {
			p := three()
			p.OutputValidator = &problem.Program{Name: "check", Files: map[string][]byte{"README": []byte("validator")}}
			return p
		}(), source: "echo", prepareErr: "no file in a language this judge knows"},
		{name: "interactive accepts", p: withValidator(groups(item("sample/1", "1"), item("secret/1", "2")), "interactor", true), source: "echo", want: verdict.AC, wantTests: "sample/1=AC secret/1=AC"},
		{name: "interactive rejects", p: withValidator(groups(item("sample/1", "1"), item("secret/1", "2")), "interactor", true), source: "wrong", want: verdict.WA, wantTests: "sample/1=WA"},
		{name: "interactive without an interactor", p: func() *problem.Problem {
			p := groups(item("sample/1", "1"), item("secret/1", "2"))
			p.Interactive = true
			return p
		}(), source: "echo", judgeErr: "no interactor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeCompiler{}
			eng := engine.New(c, langs)
			ctx := context.Background()
			pp, err := eng.Prepare(ctx, tc.p)
			if tc.prepareErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.prepareErr) {
					t.Fatalf("Prepare: %v, want an error with %q", err, tc.prepareErr)
				}
				if n := c.stillOpen(); n != 0 {
					t.Fatalf("%d programs left open after a failed Prepare", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			lim := run.Limits{CPUTime: 700 * time.Millisecond, MemoryBytes: 64 << 20}
			var seen []string
			res, err := pp.Judge(ctx, engine.Submission{Language: py, Files: map[string][]byte{"main.py": []byte(tc.source)}}, lim, func(to judge.TestOutcome) {
				seen = append(seen, to.Name+"="+string(to.Verdict))
			})
			pp.Close()
			if n := c.stillOpen(); n != 0 {
				t.Errorf("%d programs left open after Close", n)
			}
			if tc.judgeErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.judgeErr) {
					t.Fatalf("Judge: %v, want an error with %q", err, tc.judgeErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome.Verdict != tc.want || strings.Join(seen, " ") != tc.wantTests {
				t.Fatalf("got %s with tests %q, want %s with %q", res.Outcome.Verdict, strings.Join(seen, " "), tc.want, tc.wantTests)
			}
			if tc.want == verdict.CE {
				if string(res.Compiled.Output) != "main:1: syntax error" || len(res.Outcome.Tests) != 0 {
					t.Fatalf("CE result %+v: want the compiler's output and no tests", res)
				}
				return
			}
			// The submission's runs get the limits as given: the engine merges nothing.
			for _, s := range c.specs {
				if s.Files["judge.ans"] == nil && s.Limits != lim && !tc.p.Interactive {
					t.Fatalf("a submission ran under %+v, want %+v unchanged", s.Limits, lim)
				}
			}
		})
	}
}

// Include files of the submission's language are added to its files before it compiles.
func TestEngineJudgeAddsIncludes(t *testing.T) {
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	py, _ := langs.Get("python3")
	p := groups(item("sample/1", "1"), item("secret/1", "2"))
	p.Include = map[string]map[string][]byte{"python3": {"driver.py": []byte("#driver ")}}
	c := &fakeCompiler{}
	pp, err := engine.New(c, langs).Prepare(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer pp.Close()
	if _, err := pp.Judge(context.Background(), engine.Submission{Language: py, Files: map[string][]byte{"sub.py": []byte("echo")}}, run.Limits{}, nil); err != nil {
		t.Fatal(err)
	}
	if len(c.compiled) != 1 || !strings.Contains(c.compiled[0], "#driver") || !strings.Contains(c.compiled[0], "echo") {
		t.Fatalf("compiled %q: want the submission with its driver", c.compiled)
	}
}

func TestEngineAdHocAndRun(t *testing.T) {
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	py, _ := langs.Get("python3")
	c := &fakeCompiler{}
	eng := engine.New(c, langs)
	ctx := context.Background()
	sub := func(src string) engine.Submission {
		return engine.Submission{Language: py, Files: map[string][]byte{"main.py": []byte(src)}}
	}
	for _, tc := range []struct {
		src, stdin, expected string
		hasExpected          bool
		want                 verdict.Verdict
	}{
		{"echo", "hi\n", "hi\n", true, verdict.AC},
		{"wrong", "hi\n", "hi\n", true, verdict.WA},
		{"wrong", "hi\n", "", false, verdict.AC},
		{"crash", "", "", false, verdict.RE},
		{"syntax error", "", "", false, verdict.CE},
	} {
		res, err := eng.AdHoc(ctx, sub(tc.src), run.Spec{Stdin: []byte(tc.stdin)}, []byte(tc.expected), tc.hasExpected)
		if err != nil || res.Outcome.Verdict != tc.want {
			t.Errorf("ad hoc %q: %s %v, want %s", tc.src, res.Outcome.Verdict, err, tc.want)
		}
	}
	c2, r, err := eng.Run(ctx, sub("echo"), run.Spec{Stdin: []byte("x")})
	if err != nil || r == nil || string(r.Stdout) != "x" || c2.Status != run.OK {
		t.Fatalf("Run: %+v %+v %v", c2, r, err)
	}
	if c2, r, err := eng.Run(ctx, sub("syntax error"), run.Spec{}); err != nil || r != nil || c2.Status != run.CE {
		t.Fatalf("Run of a CE: %+v %+v %v, want no result and the CE", c2, r, err)
	}
	if _, _, err := eng.Run(ctx, sub("judge fault"), run.Spec{}); err == nil {
		t.Fatal("Run with a failing compiler: want the judge's error")
	}
	if n := c.stillOpen(); n != 0 {
		t.Fatalf("%d programs left open", n)
	}
}

func TestProblemLimits(t *testing.T) {
	p := &problem.Problem{Limits: problem.Limits{TimeLimit: 3 * time.Second, MemoryBytes: 64 << 20, OutputBytes: 8 << 20}}
	got := engine.ProblemLimits(p, run.Limits{CPUTime: time.Second, Processes: 4})
	want := run.Limits{CPUTime: time.Second, MemoryBytes: 64 << 20, OutputBytes: 8 << 20, Processes: 4}
	if got != want {
		t.Fatalf("got %+v, want the override's CPU time and processes and the problem's memory and output", got)
	}
	if got := engine.ProblemLimits(p, run.Limits{}); got.CPUTime != 3*time.Second {
		t.Fatalf("no override: CPU %v, want the problem's 3s", got.CPUTime)
	}
}
