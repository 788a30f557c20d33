package judgectlcmd

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/apiv1"
)

func TestReadCommands(t *testing.T) {
	api := newFakeAPI(t)
	tests := []struct {
		args   []string
		tty    bool
		code   int
		outHas []string
		errHas string
	}{
		{args: []string{"languages"}, outHas: []string{"python3\tPython 3\tPython 3.13.5\t.py\tno", "cpp\tC++\t-\t.cpp .cc .h .C\tyes"}},
		{args: []string{"languages"}, tty: true, outHas: []string{"ID ", "EXTENSIONS", "python3 "}},
		{args: []string{"languages", "-o", "json"}, outHas: []string{`"id": "python3"`}},
		{args: []string{"problem", "list"}, outHas: []string{"hello\tHello\t2\tpass-fail\t1\t3"}},
		{args: []string{"problem", "list", "-o", "yaml"}, outHas: []string{"slug: hello"}},
		{args: []string{"problem", "show", "hello"}, outHas: []string{"Version      2", "Tests        3 (1 samples)", "Time limit   default"}},
		{args: []string{"problem", "show", "nope"}, code: ExitFailure, errHas: "no problem nope"},
		{args: []string{"problem", "show"}, code: ExitFailure, errHas: "needs a problem slug"},
	}
	for _, tt := range tests {
		f, _, _ := newTestFactory(t, api.env())
		f.IO.OutTTY = tt.tty
		r := judgectl(t, f, tt.args...)
		if r.code != tt.code || !strings.Contains(r.errOut, tt.errHas) {
			t.Errorf("judgectl %v = %d, stderr %q; want %d and %q", tt.args, r.code, r.errOut, tt.code, tt.errHas)
		}
		for _, s := range tt.outHas {
			if !strings.Contains(r.out, s) {
				t.Errorf("judgectl %v stdout lacks %q:\n%s", tt.args, s, r.out)
			}
		}
	}
}

func TestProblemPush(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	root := t.TempDir()
	pkg := filepath.Join(root, "hello")
	for p, c := range map[string]string{
		"problem.yaml": "name: Hello\n", "data/sample/1.in": "", "data/sample/1.ans": "hello\n",
		"data/secret/1.in": "", "data/secret/1.ans": "hello\n",
	} {
		writeFile(t, pkg, p, c)
	}
	r := judgectl(t, f, "problem", "push", pkg)
	if r.code != 0 || !strings.Contains(r.out, "Pushed hello: version 1") {
		t.Fatalf("push: %d\n%s%s", r.code, r.out, r.errOut)
	}
	gz := api.problems["hello"]
	if len(gz) < 2 || gz[0] != 0x1f || gz[1] != 0x8b {
		t.Errorf("uploaded body is not gzip: % x", gz[:min(len(gz), 4)])
	}
	r = judgectl(t, f, "problem", "push", pkg, "--slug", "hi", "--archive", "zip", "-o", "json")
	if r.code != 0 || !strings.Contains(r.out, `"slug": "hi"`) || string(api.problems["hi"][:2]) != "PK" {
		t.Errorf("zip push: %d %s %s", r.code, r.out, r.errOut)
	}

	bad := filepath.Join(root, "broken")
	writeFile(t, bad, "problem.yaml", "name: X\nlimitz: {}\n")
	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"problem", "push", bad}, `unknown key "limitz"`},
		{[]string{"problem", "push", filepath.Join(root, "nope")}, "is not a directory"},
		{[]string{"problem", "push", pkg, "--slug", "Bad Slug"}, "use lower-case"},
		{[]string{"problem", "push", pkg, "--archive", "rar"}, "--archive"},
	} {
		r := judgectl(t, f, tt.args...)
		if r.code != ExitFailure || !strings.Contains(r.errOut, tt.err) {
			t.Errorf("judgectl %v = %d %q; want 3 and %q", tt.args, r.code, r.errOut, tt.err)
		}
	}
	if _, ok := api.problems["broken"]; ok {
		t.Error("a broken package was uploaded")
	}
}

func TestProblemPushFollowsCalibration(t *testing.T) {
	pkg := filepath.Join(t.TempDir(), "sum")
	for p, c := range map[string]string{
		"problem.yaml": "name: Sum\n", "data/sample/1.in": "1 2\n", "data/sample/1.ans": "3\n",
		"data/secret/1.in": "2 2\n", "data/secret/1.ans": "4\n",
		"submissions/accepted/a.py": "print(3)\n", "submissions/accepted/b.c": "int main(){}\n",
	} {
		writeFile(t, pkg, p, c)
	}
	run := func(path, lang, status, verdict string, ms int, failed string) apiv1.CalibrationRun {
		r := apiv1.CalibrationRun{Path: path, Language: lang, Status: status, Verdict: verdict, TimeMS: ms}
		if failed != "" {
			r.FailedTest, r.FailedVerdict = failed, verdict
		}
		return r
	}
	version := func(state string, runs ...apiv1.CalibrationRun) apiv1.Problem {
		p := apiv1.Problem{Slug: "sum", Name: "Sum", Version: 1, Tests: 2, State: state, TimeLimitSource: "computed",
			Calibration: &apiv1.Calibration{Total: 2, ProbeTimeMS: 10000, Runs: runs}}
		for _, r := range runs {
			if r.Status == apiv1.StatusDone {
				p.Calibration.Judged++
			}
		}
		return p
	}
	queued := run("accepted/a.py", "python3", apiv1.StatusQueued, "", 0, "")
	cQueued := run("accepted/b.c", "c", apiv1.StatusQueued, "", 0, "")
	aDone := run("accepted/a.py", "python3", apiv1.StatusDone, "AC", 450, "")
	cDone := run("accepted/b.c", "c", apiv1.StatusDone, "AC", 20, "")
	cWrong := run("accepted/b.c", "c", apiv1.StatusDone, "WA", 3, "secret/1")

	active := version(apiv1.ProblemActive, aDone, cDone)
	active.Limits.TimeMS, active.Calibration.SlowestMS = 3000, 450
	rejected := version(apiv1.ProblemRejected, aDone, cWrong)
	rejected.Calibration.Failures = []string{"accepted/b.c (c): WA on test secret/1, expected AC"}

	for _, tt := range []struct {
		name     string
		args     []string
		versions []apiv1.Problem
		code     int
		outHas   []string
		errHas   string
		forced   bool
	}{
		{name: "progress, then the computed limit",
			versions: []apiv1.Problem{version(apiv1.ProblemCalibrating, queued, cQueued), version(apiv1.ProblemCalibrating, aDone, cQueued), active},
			outHas:   []string{"judging 2 accepted submission(s) under 10000 ms", "[1/2] accepted/a.py", "450 ms", "[2/2] accepted/b.c", "Time limit 3000 ms (computed from the slowest accepted run, 450 ms)"}},
		{name: "refused: the report and exit 1",
			versions: []apiv1.Problem{version(apiv1.ProblemCalibrating, queued, cQueued), rejected},
			code:     ExitRejected, outHas: []string{"[2/2] accepted/b.c", "WA on secret/1"},
			errHas: "accepted/b.c (c): WA on test secret/1"},
		{name: "forced", args: []string{"--force"},
			versions: []apiv1.Problem{version(apiv1.ProblemCalibrating, queued, cQueued), active},
			outHas:   []string{"Time limit 3000 ms"}, forced: true},
		{name: "no wait", args: []string{"--no-wait"},
			versions: []apiv1.Problem{version(apiv1.ProblemCalibrating, queued, cQueued), active},
			outHas:   []string{"Pushed sum: version 1", "is computing its time limit"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			api.calibration = tt.versions
			f, _, _ := newTestFactory(t, api.env())
			r := judgectl(t, f, append([]string{"problem", "push", pkg, "--poll", "1ms"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.errOut, tt.errHas) {
				t.Errorf("push = %d, stderr %q; want %d and %q\n%s", r.code, r.errOut, tt.code, tt.errHas, r.out)
			}
			for _, s := range tt.outHas {
				if !strings.Contains(r.out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.out)
				}
			}
			if api.forced != tt.forced {
				t.Errorf("force=%v sent, want %v", api.forced, tt.forced)
			}
		})
	}
}
