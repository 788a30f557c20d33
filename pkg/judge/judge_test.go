package judge

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/run"
)

// fakeProgram answers each run by looking up its stdin; unknown inputs echo it back.
type fakeProgram struct {
	mu    sync.Mutex
	byIn  map[string]run.Result
	specs []run.Spec
	err   error
}

func (f *fakeProgram) Run(_ context.Context, spec run.Spec) (run.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.specs = append(f.specs, spec)
	if f.err != nil {
		return run.Result{Status: run.IE}, f.err
	}
	if r, ok := f.byIn[string(spec.Stdin)]; ok {
		return r, nil
	}
	return run.Result{Status: run.OK, Stdout: spec.Stdin, CPUTime: 10 * time.Millisecond}, nil
}

func wrong() run.Result { return run.Result{Status: run.OK, Stdout: []byte("wrong")} }

func test(name, io string) problem.Item {
	return problem.Item{Test: &problem.Test{Name: name, Input: []byte(io), Answer: []byte(io), Sample: strings.HasPrefix(name, "sample")}}
}

func group(name string, s problem.Settings, items ...problem.Item) problem.Item {
	return problem.Item{Group: &problem.Group{Name: name, Settings: s, Items: items}}
}

func passFail(root problem.Settings, items ...problem.Item) *problem.Problem {
	return &problem.Problem{Type: problem.PassFail, Data: &problem.Group{Settings: root, Items: items}}
}

func names(o Outcome) string {
	var out []string
	for _, t := range o.Tests {
		out = append(out, t.Name+"="+string(t.Verdict))
	}
	return strings.Join(out, " ")
}

func TestJudgePassFail(t *testing.T) {
	def := problem.DefaultSettings()
	cont := def
	cont.OnReject = "continue"
	first := cont
	first.VerdictMode = "first_error"
	tle := run.Result{Status: run.TLE, CPUTime: 2 * time.Second}
	tests := []struct {
		name      string
		p         *problem.Problem
		byIn      map[string]run.Result
		want      string
		wantTests string
	}{
		{"all accepted", passFail(def, group("sample", def, test("sample/1", "1")), group("secret", def, test("secret/1", "2"), test("secret/2", "3"))),
			nil, "AC", "sample/1=AC secret/1=AC secret/2=AC"},
		{"break at first rejection", passFail(def, group("sample", def, test("sample/1", "1")), group("secret", def, test("secret/1", "2"), test("secret/2", "3"))),
			map[string]run.Result{"2": wrong()}, "WA", "sample/1=AC secret/1=WA"},
		{"sample rejection stops secret", passFail(def, group("sample", def, test("sample/1", "1")), group("secret", def, test("secret/1", "2"))),
			map[string]run.Result{"1": {Status: run.RE, ExitCode: 1}}, "RE", "sample/1=RE"},
		{"continue with worst_error: TLE beats WA", passFail(cont, group("secret", cont, test("secret/1", "1"), test("secret/2", "2"))),
			map[string]run.Result{"1": wrong(), "2": tle}, "TLE", "secret/1=WA secret/2=TLE"},
		{"continue with first_error: WA first", passFail(first, group("secret", first, test("secret/1", "1"), test("secret/2", "2"))),
			map[string]run.Result{"1": wrong(), "2": tle}, "WA", "secret/1=WA secret/2=TLE"},
		{"precedence RE over MLE over TLE over OLE", passFail(cont, group("secret", cont, test("secret/1", "1"), test("secret/2", "2"), test("secret/3", "3"), test("secret/4", "4"))),
			map[string]run.Result{"1": {Status: run.OLE}, "2": tle, "3": {Status: run.MLE}, "4": {Status: run.RE, Signal: "SIGSEGV"}}, "RE", "secret/1=OLE secret/2=TLE secret/3=MLE secret/4=RE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prog := &fakeProgram{byIn: tc.byIn}
			var streamed []string
			o, err := New(Config{}).Judge(context.Background(), prog, tc.p, func(to TestOutcome) { streamed = append(streamed, to.Name) })
			if err != nil {
				t.Fatal(err)
			}
			if string(o.Verdict) != tc.want || names(o) != tc.wantTests {
				t.Fatalf("got %s [%s], want %s [%s]", o.Verdict, names(o), tc.want, tc.wantTests)
			}
			if len(streamed) != len(o.Tests) {
				t.Fatalf("onTest called %d times for %d tests", len(streamed), len(o.Tests))
			}
			for _, s := range prog.specs {
				if len(s.Files) != 0 || len(s.Args) != 0 {
					t.Fatalf("submission got files or args: %+v", s)
				}
			}
		})
	}
}

func TestJudgeOutcomeDetails(t *testing.T) {
	def := problem.DefaultSettings()
	p := passFail(def, group("sample", def, test("sample/1", "1")), group("secret", def, test("secret/1", "2")))
	p.Limits.TimeLimit = 3 * time.Second
	p.Limits.MemoryBytes = 64 << 20
	prog := &fakeProgram{byIn: map[string]run.Result{"2": {Status: run.OK, Stdout: []byte("x"), CPUTime: 700 * time.Millisecond, MemoryBytes: 5 << 20}}}
	o, err := New(Config{Limits: run.Limits{CPUTime: time.Second}}).Judge(context.Background(), prog, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if prog.specs[0].Limits != (run.Limits{CPUTime: time.Second}) {
		t.Fatalf("limits %+v: want Config.Limits as given (the judge merges nothing; engine.ProblemLimits does)", prog.specs[0].Limits)
	}
	s, h := o.Tests[0], o.Tests[1]
	if s.Hidden || !h.Hidden || s.Stdout == nil || h.Stdout != nil {
		t.Fatalf("sample must be visible with stdout, secret hidden without: %+v %+v", s, h)
	}
	if string(s.Input) != "1" || s.Answer == nil || h.Input != nil || h.Answer != nil {
		t.Fatalf("sample must carry its input and answer, secret neither: %+v %+v", s, h)
	}
	if o.MaxCPUTime != 700*time.Millisecond || o.MaxMemoryBytes != 5<<20 || !strings.Contains(h.Feedback, `expected "2", got "x"`) {
		t.Fatalf("outcome %+v", o)
	}
}

func TestJudgeInternalError(t *testing.T) {
	def := problem.DefaultSettings()
	p := passFail(def, group("secret", def, test("secret/1", "1")))
	o, err := New(Config{}).Judge(context.Background(), &fakeProgram{err: errors.New("docker went away")}, p, nil)
	if err == nil || o.Verdict != "IE" || !strings.Contains(o.Message, "docker went away") {
		t.Fatalf("got %v %+v", err, o)
	}
	p.ValidatorFlags = []string{"float_tolerance"}
	if o, err := New(Config{}).Judge(context.Background(), &fakeProgram{}, p, nil); err == nil || o.Verdict != "IE" {
		t.Fatalf("bad validator flags: got %v %+v", err, o)
	}
	p.ValidatorFlags = nil
	p.OutputValidator = &problem.Program{Name: "v"}
	if o, err := New(Config{}).Judge(context.Background(), &fakeProgram{}, p, nil); err == nil || o.Verdict != "IE" {
		t.Fatalf("custom validator not compiled: got %v %+v", err, o)
	}
}

func TestJudgeScoringLegacy(t *testing.T) {
	root := problem.DefaultSettings()
	root.IgnoreSample = true
	secret := problem.DefaultSettings()
	secret.OnReject, secret.AcceptIfAnyAccepted = "continue", true
	sub := func(points float64) problem.Settings {
		s := problem.DefaultSettings()
		s.ScoreMode, s.AcceptScore = "min", points
		return s
	}
	p := &problem.Problem{Type: problem.Scoring, Data: &problem.Group{Settings: root, Items: []problem.Item{
		group("sample", root, test("sample/1", "s")),
		group("secret", secret,
			group("secret/g1", sub(30), test("secret/g1/1", "a"), test("secret/g1/2", "b")),
			group("secret/g2", sub(70), test("secret/g2/1", "c"), test("secret/g2/2", "d"))),
	}}}
	tests := []struct {
		name      string
		byIn      map[string]run.Result
		verdict   string
		score     float64
		wantTests string
	}{
		{"full", nil, "AC", 100, "sample/1=AC secret/g1/1=AC secret/g1/2=AC secret/g2/1=AC secret/g2/2=AC"},
		{"partial", map[string]run.Result{"c": wrong()}, "PA", 30, "sample/1=AC secret/g1/1=AC secret/g1/2=AC secret/g2/1=WA"},
		{"sample ignored", map[string]run.Result{"s": wrong(), "b": wrong()}, "PA", 70, "sample/1=WA secret/g1/1=AC secret/g1/2=WA secret/g2/1=AC secret/g2/2=AC"},
		{"nothing", map[string]run.Result{"a": wrong(), "c": {Status: run.TLE}}, "TLE", 0, "sample/1=AC secret/g1/1=WA secret/g2/1=TLE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := New(Config{}).Judge(context.Background(), &fakeProgram{byIn: tc.byIn}, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(o.Verdict) != tc.verdict || o.Score != tc.score || o.MaxScore != 100 || names(o) != tc.wantTests {
				t.Fatalf("got %s %g/%g [%s], want %s %g/100 [%s]", o.Verdict, o.Score, o.MaxScore, names(o), tc.verdict, tc.score, tc.wantTests)
			}
		})
	}
}

func TestJudgeScoring2023Sum(t *testing.T) {
	root := problem.DefaultSettings()
	root.IgnoreSample = true
	secret := problem.DefaultSettings()
	secret.OnReject, secret.AcceptIfAnyAccepted = "continue", true
	g := secret
	g.Score = 60 // sum aggregation: each of 3 tests is worth 20
	p := &problem.Problem{Type: problem.Scoring, Data: &problem.Group{Settings: root, Items: []problem.Item{
		group("secret", secret, group("secret/g", g, test("secret/g/1", "a"), test("secret/g/2", "b"), test("secret/g/3", "c"))),
	}}}
	o, err := New(Config{}).Judge(context.Background(), &fakeProgram{byIn: map[string]run.Result{"b": wrong()}}, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Verdict != "PA" || o.Score != 40 || o.MaxScore != 60 {
		t.Fatalf("got %s %g/%g", o.Verdict, o.Score, o.MaxScore)
	}
}

// fakeValidator decides by the output it reads on stdin.
type fakeValidator struct {
	specs []run.Spec
	exit  func(output string) int
}

func (v *fakeValidator) Run(_ context.Context, spec run.Spec) (run.Result, error) {
	v.specs = append(v.specs, spec)
	code := v.exit(string(spec.Stdin))
	st := run.RE
	if code == 0 {
		st = run.OK
	}
	return run.Result{Status: st, ExitCode: code, Files: map[string][]byte{"judgemessage.txt": []byte("because " + string(spec.Stdin))}}, nil
}

func TestJudgeCustomValidator(t *testing.T) {
	def := problem.DefaultSettings()
	g := def
	g.ValidatorFlags = []string{"--group"}
	p := passFail(def, group("secret", g, problem.Item{Test: &problem.Test{Name: "secret/1", Input: []byte("in"), Answer: []byte("ANSWER")}}))
	p.OutputValidator = &problem.Program{Name: "v"}
	p.ValidatorFlags = []string{"--problem"}
	for _, tc := range []struct {
		exit    int
		verdict string
		err     bool
	}{{42, "AC", false}, {43, "WA", false}, {0, "IE", true}, {1, "IE", true}} {
		v := &fakeValidator{exit: func(string) int { return tc.exit }}
		sub := &fakeProgram{byIn: map[string]run.Result{"in": {Status: run.OK, Stdout: []byte("out")}}}
		o, err := New(Config{Validator: v}).Judge(context.Background(), sub, p, nil)
		if (err != nil) != tc.err || string(o.Verdict) != tc.verdict {
			t.Fatalf("exit %d: got %s (%v), want %s", tc.exit, o.Verdict, err, tc.verdict)
		}
		spec := v.specs[0]
		if string(spec.Stdin) != "out" || strings.Join(spec.Args, " ") != "judge.in judge.ans feedback/ --problem --group" ||
			string(spec.Files["judge.ans"]) != "ANSWER" || spec.CollectDir != "feedback" {
			t.Fatalf("validator spec %+v", spec)
		}
		if !tc.err && o.Tests[0].Feedback != "because out" {
			t.Fatalf("feedback %q", o.Tests[0].Feedback)
		}
		for _, s := range sub.specs {
			if len(s.Files) > 0 || strings.Contains(string(s.Stdin), "ANSWER") {
				t.Fatalf("the answer reached the submission: %+v", s)
			}
		}
	}
}

// pipeProc is a fake Process running f with pipes, like a sandboxed program would.
type pipeProc struct {
	stdinR  *io.PipeReader
	stdinW  *io.PipeWriter
	stdoutR *io.PipeReader
	outW    *io.PipeWriter
	done    chan run.Result
}

func startFake(f func(in io.Reader, out io.Writer) run.Result) *pipeProc {
	p := &pipeProc{done: make(chan run.Result, 1)}
	p.stdinR, p.stdinW = io.Pipe()
	var outW *io.PipeWriter
	p.stdoutR, outW = io.Pipe()
	p.outW = outW
	go func() {
		r := f(p.stdinR, outW)
		p.stdinR.CloseWithError(io.ErrClosedPipe) // a dead process's stdin refuses writes
		p.done <- r
	}()
	return p
}

func (p *pipeProc) Stdin() io.WriteCloser { return p.stdinW }
func (p *pipeProc) Stdout() io.Reader     { return p.stdoutR }

// Wait closes stdout only once the process is reaped, so the other side sees EOF strictly after
// this process ended: exit order is deterministic in tests.
func (p *pipeProc) Wait() (run.Result, error) {
	r := <-p.done
	p.outW.Close()
	return r, nil
}

type fakeStarter struct {
	f    func(spec run.Spec, in io.Reader, out io.Writer) run.Result
	spec []run.Spec
	mu   sync.Mutex
}

func (s *fakeStarter) Start(_ context.Context, spec run.Spec) (*pipeProc, error) {
	s.mu.Lock()
	s.spec = append(s.spec, spec)
	s.mu.Unlock()
	return startFake(func(in io.Reader, out io.Writer) run.Result { return s.f(spec, in, out) }), nil
}

// guessValidator plays "guess the number": the secret is the test input.
func guessValidator(spec run.Spec, in io.Reader, out io.Writer) run.Result {
	secret, _ := strconv.Atoi(strings.TrimSpace(string(spec.Files["judge.in"])))
	sc := bufio.NewScanner(in)
	for tries := 0; tries < 10; tries++ {
		if !sc.Scan() {
			return run.Result{Status: run.RE, ExitCode: 43}
		}
		g, err := strconv.Atoi(sc.Text())
		switch {
		case err != nil:
			return run.Result{Status: run.RE, ExitCode: 43}
		case g < secret:
			fmt.Fprintln(out, "higher")
		case g > secret:
			fmt.Fprintln(out, "lower")
		default:
			fmt.Fprintln(out, "correct")
			return run.Result{Status: run.RE, ExitCode: 42}
		}
	}
	return run.Result{Status: run.RE, ExitCode: 43}
}

func binarySearch(in io.Reader, out io.Writer) run.Result {
	lo, hi := 1, 100
	sc := bufio.NewScanner(in)
	for {
		mid := (lo + hi) / 2
		fmt.Fprintln(out, mid)
		if !sc.Scan() {
			return run.Result{Status: run.OK}
		}
		switch sc.Text() {
		case "higher":
			lo = mid + 1
		case "lower":
			hi = mid - 1
		default:
			return run.Result{Status: run.OK}
		}
	}
}

func TestJudgeInteractive(t *testing.T) {
	def := problem.DefaultSettings()
	p := passFail(def, group("secret", def, test("secret/1", "37"), test("secret/2", "99")))
	p.Interactive = true
	p.OutputValidator = &problem.Program{Name: "v"}
	subs := map[string]func(spec run.Spec, in io.Reader, out io.Writer) run.Result{
		"AC": func(_ run.Spec, in io.Reader, out io.Writer) run.Result { return binarySearch(in, out) },
		"WA": func(_ run.Spec, in io.Reader, out io.Writer) run.Result {
			sc := bufio.NewScanner(in)
			for {
				fmt.Fprintln(out, 1) // never learns
				if !sc.Scan() {
					// the validator gave up first: crashing now does not change WA
					return run.Result{Status: run.RE, ExitCode: 3}
				}
			}
		},
		"TLE": func(_ run.Spec, in io.Reader, out io.Writer) run.Result {
			return run.Result{Status: run.TLE} // killed before it said anything
		},
		"TLE after answering": nil,
		"RE": func(_ run.Spec, in io.Reader, out io.Writer) run.Result {
			return run.Result{Status: run.RE, Signal: "SIGSEGV"}
		},
	}
	subs["TLE after answering"] = func(_ run.Spec, in io.Reader, out io.Writer) run.Result {
		binarySearch(in, out)
		return run.Result{Status: run.TLE} // validator accepted, then the submission spun
	}
	for name, f := range subs {
		want, _, _ := strings.Cut(name, " ")
		t.Run(name, func(t *testing.T) {
			v := &fakeStarter{f: guessValidator}
			s := &fakeStarter{f: f}
			prog := run.WithStart(&fakeProgram{}, s.Start)
			o, err := New(Config{Interactor: run.Starts(v.Start)}).Judge(context.Background(), prog, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(o.Verdict) != want {
				t.Fatalf("got %s [%s], want %s", o.Verdict, names(o), want)
			}
			for _, sp := range s.spec {
				if len(sp.Files) > 0 || len(sp.Stdin) > 0 {
					t.Fatalf("the submission saw judge files: %+v", sp)
				}
			}
		})
	}
}

func TestJudgeAdHoc(t *testing.T) {
	prog := &fakeProgram{byIn: map[string]run.Result{"boom": {Status: run.RE, ExitCode: 2}}}
	for _, tc := range []struct {
		stdin, expected string
		has             bool
		want            string
	}{{"hi", "", false, "AC"}, {"hi", "hi\n", true, "AC"}, {"hi", "ho", true, "WA"}, {"boom", "", false, "RE"}} {
		o, err := JudgeAdHoc(context.Background(), prog, run.Spec{Stdin: []byte(tc.stdin)}, []byte(tc.expected), tc.has)
		if err != nil || string(o.Verdict) != tc.want || len(o.Tests) != 1 {
			t.Fatalf("%+v: got %+v %v", tc, o, err)
		}
	}
}

// scoreValidator accepts and scores each output by its length, via score.txt.
type scoreValidator struct{}

func (scoreValidator) Run(_ context.Context, spec run.Spec) (run.Result, error) {
	return run.Result{Status: run.RE, ExitCode: 42, Files: map[string][]byte{"score.txt": []byte(strconv.Itoa(len(spec.Stdin)) + "\n")}}, nil
}

func TestJudgeValidatorScores(t *testing.T) {
	def := problem.DefaultSettings()
	cont := def
	cont.OnReject = "continue"
	p := &problem.Problem{Type: problem.Scoring, ValidatorScores: true, OutputValidator: &problem.Program{Name: "v"},
		Data: &problem.Group{Settings: cont, Items: []problem.Item{group("secret", cont, test("secret/1", "abc"), test("secret/2", "hello"))}}}
	o, err := New(Config{Validator: scoreValidator{}}).Judge(context.Background(), &fakeProgram{}, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Verdict != "AC" || o.Score != 8 || o.MaxScore != 0 || o.Tests[1].Score != 5 {
		t.Fatalf("got %s %g/%g, tests %+v", o.Verdict, o.Score, o.MaxScore, o.Tests)
	}
}

// passValidator is a multi-pass validator: it accepts output "N" by asking for pass N+1 with
// input "N" until the output reaches stop, counting its passes in a feedback file that must
// persist; output "bad" is rejected, "bad+next" rejected with a nextpass.in.
type passValidator struct {
	stop  int
	specs []run.Spec
}

func (v *passValidator) Run(_ context.Context, spec run.Spec) (run.Result, error) {
	v.specs = append(v.specs, spec)
	out := string(spec.Stdin)
	files := map[string][]byte{"count": append(spec.Files["feedback/count"], 'x'), "judgemessage.txt": []byte("pass " + out)}
	switch out {
	case "bad":
		return run.Result{Status: run.RE, ExitCode: 43, Files: files}, nil
	case "bad+next":
		files["nextpass.in"] = []byte("1")
		return run.Result{Status: run.RE, ExitCode: 43, Files: files}, nil
	}
	n := len(out)
	if n < v.stop {
		files["nextpass.in"] = []byte(out + "1")
	}
	return run.Result{Status: run.RE, ExitCode: 42, Files: files}, nil
}

func TestJudgeMultiPass(t *testing.T) {
	def := problem.DefaultSettings()
	p := passFail(def, group("secret", def, problem.Item{Test: &problem.Test{Name: "secret/1", Input: []byte("1"), Answer: []byte("-")}}))
	p.Passes = 3
	for _, tc := range []struct {
		name     string
		stop     int
		sub      *fakeProgram
		verdict  string
		err      string
		runs     int
		feedback string
	}{
		{"three passes", 3, &fakeProgram{}, "AC", "", 3, "pass 111"},
		{"one pass", 1, &fakeProgram{}, "AC", "", 1, "pass 1"},
		{"too many passes", 5, &fakeProgram{}, "IE", "more than limits.validation_passes (3)", 3, ""},
		{"rejected on pass 2", 9, &fakeProgram{byIn: map[string]run.Result{"11": {Status: run.OK, Stdout: []byte("bad")}}}, "WA", "", 2, "pass bad"},
		{"crash on pass 2", 9, &fakeProgram{byIn: map[string]run.Result{"11": {Status: run.RE, ExitCode: 1, CPUTime: time.Second}}}, "RE", "", 2, ""},
		{"reject with nextpass", 9, &fakeProgram{byIn: map[string]run.Result{"1": {Status: run.OK, Stdout: []byte("bad+next")}}}, "IE", "wrote nextpass.in and rejected", 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &passValidator{stop: tc.stop}
			o, err := New(Config{Validator: v}).Judge(context.Background(), tc.sub, p, nil)
			if string(o.Verdict) != tc.verdict || (tc.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("got %s, %v; want %s, %q", o.Verdict, err, tc.verdict, tc.err)
			}
			if len(tc.sub.specs) != tc.runs {
				t.Fatalf("%d runs of the submission, want %d", len(tc.sub.specs), tc.runs)
			}
			for i, s := range v.specs {
				if got := string(s.Files["feedback/count"]); len(got) != i || string(s.Files["judge.in"]) != "1" {
					t.Fatalf("pass %d: feedback/count %q, judge.in %q: feedback must persist, judge.in stay the test's", i+1, got, s.Files["judge.in"])
				}
			}
			if tc.feedback != "" && o.Tests[0].Feedback != tc.feedback {
				t.Fatalf("feedback %q, want %q", o.Tests[0].Feedback, tc.feedback)
			}
			if tc.verdict == "RE" && o.Tests[0].CPUTime != time.Second {
				t.Fatalf("CPU time %v: the slowest pass counts", o.Tests[0].CPUTime)
			}
		})
	}
	p.Passes = 0 // a validator's nextpass.in means nothing to another problem
	sub := &fakeProgram{}
	if o, err := New(Config{Validator: &passValidator{stop: 3}}).Judge(context.Background(), sub, p, nil); err != nil || o.Verdict != "AC" || len(sub.specs) != 1 {
		t.Fatalf("not multi-pass: %s %v, %d runs", o.Verdict, err, len(sub.specs))
	}
}

func TestJudgeSeveralValidators(t *testing.T) {
	def := problem.DefaultSettings()
	p := passFail(def, group("secret", def, problem.Item{Test: &problem.Test{Name: "secret/1", Input: []byte("in"), Answer: []byte("x")}}))
	p.OutputValidator = &problem.Program{Name: "a"}
	for _, tc := range []struct {
		exits   []int
		verdict string
		ran     int
	}{{[]int{42, 42}, "AC", 2}, {[]int{42, 43}, "WA", 2}, {[]int{43, 42}, "WA", 1}, {[]int{1, 42}, "IE", 1}} {
		var vs []run.Program
		var fakes []*fakeValidator
		for _, code := range tc.exits {
			f := &fakeValidator{exit: func(string) int { return code }}
			fakes = append(fakes, f)
			vs = append(vs, f)
		}
		o, _ := New(Config{Validator: Validators(vs...)}).Judge(context.Background(), &fakeProgram{}, p, nil)
		ran := 0
		for _, f := range fakes {
			ran += len(f.specs)
		}
		if string(o.Verdict) != tc.verdict || ran != tc.ran {
			t.Errorf("exits %v: %s after %d validator runs, want %s after %d", tc.exits, o.Verdict, ran, tc.verdict, tc.ran)
		}
	}
}
