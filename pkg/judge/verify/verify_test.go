package verify

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/engine"
	"github.com/judge-dev/judge/pkg/judge/verdict"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/run"
)

// scripted is a fake compiled program whose behaviour is written in its source: "echo" copies
// stdin, "wrong" prints x, "cpu=300ms" reports that CPU time, "validator" exits 42 unless the
// input contains "bad", "spin" is TLE past 1s of limit.
type scripted struct{ src string }

func (s scripted) Run(_ context.Context, spec run.Spec) (run.Result, error) {
	r := run.Result{Status: run.OK, Stdout: spec.Stdin}
	if i := strings.Index(s.src, "cpu="); i >= 0 {
		d, _ := time.ParseDuration(strings.Fields(s.src[i+4:])[0])
		r.CPUTime = d
		if d > spec.Limits.CPUTime {
			r.Status = run.TLE
		}
	}
	switch {
	case strings.Contains(s.src, "validator"):
		r.Status, r.ExitCode = run.RE, 42
		if bytes.Contains(spec.Stdin, []byte("bad")) {
			r.ExitCode = 43
		}
	case strings.Contains(s.src, "wrong"):
		r.Stdout = []byte("x")
	case strings.Contains(s.src, "syntax error"):
	}
	return r, nil
}

func (scripted) Start(context.Context, run.Spec) (run.Process, error) {
	return nil, errors.New("scripted programs are not interactive")
}

func (scripted) Close() error { return nil }

// fakeCompiler compiles every source into a scripted program, but for a syntax error.
type fakeCompiler struct{}

func (fakeCompiler) Compile(_ context.Context, _ lang.Language, files map[string][]byte, _ string) (run.Executable, run.Compiled, error) {
	var src string
	for _, b := range files {
		src += string(b)
	}
	if strings.Contains(src, "syntax error") {
		return nil, run.Compiled{Status: run.CE, Output: []byte("main.c:1: syntax error\nmore")}, nil
	}
	return scripted{src}, run.Compiled{Status: run.OK}, nil
}

func sub(path, src string, expected ...verdict.Verdict) problem.Submission {
	name := path[strings.LastIndexByte(path, '/')+1:]
	return problem.Submission{Path: path, Files: map[string][]byte{name: []byte(src)}, Expected: expected}
}

func testProblem(inputs ...string) *problem.Problem {
	g := &problem.Group{Name: "secret", Settings: problem.DefaultSettings()}
	for i, in := range inputs {
		g.Items = append(g.Items, problem.Item{Test: &problem.Test{Name: "secret/" + string(rune('a'+i)), Input: []byte(in), Answer: []byte(in)}})
	}
	return &problem.Problem{Name: "T", Type: problem.PassFail,
		Limits: problem.Limits{TimeMultiplier: 2, SafetyMargin: 2, TimeResolution: 100 * time.Millisecond},
		Data:   &problem.Group{Settings: problem.DefaultSettings(), Items: []problem.Item{{Group: g}}}}
}

func TestVerifyComputesTimeLimit(t *testing.T) {
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	p := testProblem("1", "2")
	p.Submissions = []problem.Submission{
		sub("wrong_answer/w.py", "wrong", "WA"),
		sub("accepted/fast.py", "echo cpu=100ms", "AC"),
		sub("accepted/slow.c", "echo cpu=310ms", "AC"),
		sub("time_limit_exceeded/t.c", "echo cpu=1500ms", "TLE"),    // > 700ms × 2: TLE
		sub("time_limit_exceeded/close.c", "echo cpu=900ms", "TLE"), // < 1.4s: not TLE with margin
		sub("compile_error/ce.c", "syntax error", "CE"),
		sub("accepted/notes.txt", "echo", "AC"),
	}
	rep, err := Problem(context.Background(), p, langs, engine.New(fakeCompiler{}, langs), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.TimeLimitComputed || rep.SlowestAC != 310*time.Millisecond || rep.TimeLimit != 700*time.Millisecond {
		t.Fatalf("time limit %v computed=%v slowest=%v, want 700ms from 310ms × 2 rounded up to 100ms", rep.TimeLimit, rep.TimeLimitComputed, rep.SlowestAC)
	}
	got := map[string]Result{}
	for _, r := range rep.Results {
		got[r.Path] = r
	}
	checks := []struct {
		path, verdict string
		ok            bool
	}{
		{"accepted/fast.py", "AC", true}, {"accepted/slow.c", "AC", true}, {"wrong_answer/w.py", "WA", true},
		{"time_limit_exceeded/t.c", "TLE", true}, {"time_limit_exceeded/close.c", "AC", false}, {"compile_error/ce.c", "CE", true},
	}
	for _, c := range checks {
		r := got[c.path]
		if string(r.Got) != c.verdict || r.OK() != c.ok {
			t.Errorf("%s: got %s ok=%v, want %s ok=%v", c.path, r.Got, r.OK(), c.verdict, c.ok)
		}
	}
	if got["time_limit_exceeded/t.c"].Limit != 1400*time.Millisecond {
		t.Errorf("TLE submissions run at limit × margin, got %v", got["time_limit_exceeded/t.c"].Limit)
	}
	if r := got["accepted/notes.txt"]; r.Skipped == "" || r.OK() {
		t.Errorf("unknown extension must be skipped, not passed: %+v", r)
	}
	if rep.Mismatches() != 1 || rep.Skipped() != 1 {
		t.Fatalf("mismatches %d skipped %d", rep.Mismatches(), rep.Skipped())
	}
	var out bytes.Buffer
	Print(&out, rep)
	if !strings.Contains(out.String(), "FAIL  time_limit_exceeded/close.c") || !strings.Contains(out.String(), "1 mismatched, 1 skipped") {
		t.Fatalf("report:\n%s", out.String())
	}
}

func TestVerifyInputValidatorsAndAvailability(t *testing.T) {
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	p := testProblem("good", "bad input")
	p.Limits.TimeLimit = time.Second
	p.InputValidators = []problem.Program{{Name: "check", Files: map[string][]byte{"check.py": []byte("validator")}}}
	p.Submissions = []problem.Submission{sub("accepted/a.py", "echo", "AC"), sub("accepted/b.c", "echo", "AC")}
	rep, err := Problem(context.Background(), p, langs, engine.New(fakeCompiler{}, langs), Options{Available: func(l lang.Language) bool { return l.ID != "c" }})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.InputIssues) != 1 || !strings.Contains(rep.InputIssues[0], "secret/b") || rep.Mismatches() != 1 {
		t.Fatalf("input issues %v", rep.InputIssues)
	}
	if rep.TimeLimitComputed || rep.TimeLimit != time.Second || rep.Results[1].Skipped == "" || !strings.Contains(rep.Results[1].Skipped, "not available") {
		t.Fatalf("report %+v", rep)
	}
}
