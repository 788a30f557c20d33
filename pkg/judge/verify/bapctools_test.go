package verify

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/problem"
)

// bapctools is the differential check of 2023-07 packages: BAPCtools' `bt run` (installed by
// scripts/bapctools.sh, `make bapctools`) judges the same package with the host's compilers,
// and every submission both of them judge must get the same verdict, in the format's
// vocabulary (problem.Comparable: 2023-07 test verdicts are AC, WA, TLE and RTE).
// JUDGE_BAPCTOOLS names its bt; without it the check is skipped, unless
// JUDGE_REQUIRE_BAPCTOOLS=1 (make test sets both).
//
// No BAPCtools release on PyPI reads 2023-07 itself: since 2026.3 it reads only 2025-09, the
// format's next version, and brings older packages to it with `bt upgrade` (problem.yaml's
// version, testdata.yaml → test_group.yaml, output_validators/ → output_validator/). The check
// runs that upgrade on its copy: the verdicts of pass-fail, interactive and multi-pass
// problems are the same in both versions. What BAPCtools cannot run is not compared, with the
// reason logged (bapctoolsCannot).
type bapctools struct {
	bin, config string
}

func findBapctools(t *testing.T) *bapctools {
	bin, config := findReferenceTool(t, "bapctools", "JUDGE_BAPCTOOLS", "bt")
	if bin == "" {
		return nil
	}
	return &bapctools{bin: bin, config: config}
}

// bapctoolsCannot says why BAPCtools cannot judge p, empty when it can.
func bapctoolsCannot(p *problem.Problem) string {
	switch {
	case p.Format != problem.Format202307:
		return "BAPCtools reads only the 2023-07 format's successor (legacy packages are problemtools' to check)"
	case p.Type == problem.Scoring:
		// bt 2026.10.0: "problem.yaml: unrecognized value for `type`: scoring".
		return "BAPCtools does not implement scoring problems"
	case len(p.Include) > 0:
		return "BAPCtools does not add include/ files to submissions"
	}
	return ""
}

// btResult is what bt reported for one submission.
type btResult struct {
	verdict string
	// duration is the longest time bt printed for it (its verdict's test and its slowest).
	duration time.Duration
	// unsure explains why the verdict is not comparable (no compiler here).
	unsure string
}

// btRun is bt run's report: the time limit it used and a line per submission, as
// "accepted/sum.c:   AC 0.003s @ sample/1   slowest:  AC 0.003s @ sample/1";
// "Build submissions: compile_error/x.c  Failed" for a compile error,
// "Build submissions: accepted/sum.go  No language detected for ..." for a language it lacks.
var (
	btLimitRe   = regexp.MustCompile(`^Run: using timelimit: ([\d.]+)s`)
	btVerdictRe = regexp.MustCompile(`^(\S+?): +(AC|WA|TLE|RTE|JE|CE) +([\d.]+)s @ \S+(?: +slowest: +\w+ +([\d.]+)s)?`)
	btBuildRe   = regexp.MustCompile(`^Build submissions: (\S+) +(Failed|No language detected)`)
	// btEscapeRe matches a terminal escape sequence. bt colours its report whatever NO_COLOR
	// says when CI or GITLAB_CI is set (it then skips colorama's init, which would strip them
	// on a pipe), and CI sets CI.
	btEscapeRe = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)
)

// btZeroRelative is why a WA of BAPCtools' default output validator with "Relative error: nan"
// is not compared: it computes a relative error as |given − expected| / |expected|, NaN for an
// answer of 0 (a given "0.0" against "0.0000" under float_relative_tolerance), and rejects;
// problemtools, the format's reference, accepts |given − expected| ≤ ε·|expected|, 0 ≤ 0, and so
// does this judge (docs/problems.md, the default output validator).
const btZeroRelative = "BAPCtools' default validator takes a zero answer's relative error as NaN and rejects an equal zero, which problemtools and this judge accept"

func parseBapctools(out string) (limit time.Duration, res map[string]btResult) {
	res = map[string]btResult{}
	secs := func(s string) time.Duration {
		f, _ := strconv.ParseFloat(s, 64)
		return time.Duration(f * float64(time.Second))
	}
	for _, line := range strings.Split(btEscapeRe.ReplaceAllString(out, ""), "\n") {
		if m := btLimitRe.FindStringSubmatch(line); m != nil {
			limit = secs(m[1])
			continue
		}
		if m := btBuildRe.FindStringSubmatch(line); m != nil {
			r := btResult{verdict: "CE"}
			if m[2] != "Failed" {
				r.unsure = "BAPCtools has no compiler for its language here"
			}
			res[m[1]] = r
			continue
		}
		if m := btVerdictRe.FindStringSubmatch(line); m != nil {
			r := btResult{verdict: m[2], duration: secs(m[3]), unsure: res[m[1]].unsure}
			if m[4] != "" {
				r.duration = max(r.duration, secs(m[4]))
			}
			if strings.Contains(line, "Relative error: nan") {
				r.unsure = btZeroRelative
			}
			res[m[1]] = r
		}
	}
	return limit, res
}

// check runs bt on a copy of the package in dir and compares its verdicts with rep; ours is
// the judge's printed report.
func (bt *bapctools) check(t *testing.T, dir string, p *problem.Problem, rep Report, ours string) {
	t.Helper()
	if why := bapctoolsCannot(p); why != "" {
		t.Logf("BAPCtools: not compared: %s", why)
		return
	}
	// bt wants the directory named like a problem's short name ([a-z0-9]+).
	name := regexp.MustCompile(`[^a-z0-9]`).ReplaceAllString(strings.ToLower(filepath.Base(dir)), "")
	work := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(work, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tmp := t.TempDir() // bt builds in $TMPDIR/bapctools_*; the test's own, removed with it
	btCmd := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bt.bin, args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+bt.config, "TMPDIR="+tmp, "NO_COLOR=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	if out, err := btCmd("upgrade"); err != nil {
		t.Fatalf("bt upgrade: %v\n%s", err, out)
	}
	// -a: every test (the verdict is still the first rejected test's); -G: no generators;
	// -t: this judge's limit, so that both judge under the same one. bt's verdict is by CPU
	// time unless its wall-clock timeout expires (default 1.5 × limit + 1 s, rounded down),
	// which a loaded machine reaches with a fast program: --timeout gives it this judge's
	// wall-clock cap, 3 × limit + 1 s.
	secs := rep.TimeLimit.Seconds()
	args := []string{"run", "--no-bar", "-a", "--no-generate", "-t", strconv.FormatFloat(secs, 'f', -1, 64), "--timeout", strconv.Itoa(int(math.Ceil(3*secs + 1)))}
	out, _ := btCmd(args...)
	limit, theirs := parseBapctools(out)
	if limit == 0 {
		t.Fatalf("BAPCtools judged nothing; its report:\n%s", out)
	}
	// A TLE there that is not one here is judged once more by bt alone: it may be the load of
	// the machine, which a second run rarely repeats; a real difference does. (OLE is not
	// compared at all.)
	var again []string
	for _, r := range rep.Results {
		if br, ok := theirs[r.Path]; ok && br.verdict == "TLE" && r.Got != "" && r.Got != "TLE" && r.Got != "OLE" && r.Skipped == "" {
			again = append(again, filepath.Join("submissions", r.Path))
		}
	}
	if len(again) > 0 {
		t.Logf("BAPCtools: judging %v again (TLE there, not here)", again)
		out2, _ := btCmd(append(args, again...)...)
		_, second := parseBapctools(out2)
		for path, br := range second {
			theirs[path] = br
		}
		out += "\n--- BAPCtools, again:\n" + out2
	}
	compared, notes, disagreements := compareBapctools(p, rep, limit, theirs)
	for _, n := range notes {
		t.Logf("BAPCtools: %s", n)
	}
	for _, d := range disagreements {
		t.Errorf("BAPCtools %s\n--- judge:\n%s\n--- BAPCtools:\n%s", d, ours, out)
	}
	t.Logf("BAPCtools: %d submissions compared, all agree unless reported", compared)
	if compared == 0 {
		t.Errorf("BAPCtools: no submission compared; its report:\n%s", out)
	}
}

// compareBapctools compares the judge's verdicts in rep with bt's (theirs, judged under
// limit): how many it compared, why others were not compared, and every disagreement.
func compareBapctools(p *problem.Problem, rep Report, limit time.Duration, theirs map[string]btResult) (compared int, notes, disagreements []string) {
	// bt's own window of time-sensitive runs: slower than limit / ac_to_time_limit and not
	// past limit × time_limit_to_tle. A verdict there may flip between two machines' timings.
	lo := time.Duration(float64(limit) / p.Limits.TimeMultiplier)
	hi := time.Duration(float64(limit) * p.Limits.SafetyMargin)
	sensitive := func(d time.Duration) bool { return d > lo && d < hi }
	for _, r := range rep.Results {
		br, ran := theirs[r.Path]
		mine, their := ptComparable(p, string(r.Got)), ptComparable(p, br.verdict)
		switch {
		case r.Skipped != "" || r.Got == "":
			continue
		case !ran:
			disagreements = append(disagreements, fmt.Sprintf("did not report %s (judge %s)", r.Path, r.Got))
			continue
		case br.unsure != "":
			notes = append(notes, fmt.Sprintf("%s not compared: %s", r.Path, br.unsure))
			continue
		case r.Got == "OLE":
			// bt 2026.10.0 checks limits.output only on the package's .ans files, never on a
			// submission's output: what is OLE here is WA, TLE or AC there.
			notes = append(notes, fmt.Sprintf("%s not compared: OLE, and BAPCtools enforces no output limit on submissions", r.Path))
			continue
		case mine != their && (mine == "TLE" || their == "TLE") && (sensitive(br.duration) || sensitive(r.CPUTime)):
			notes = append(notes, fmt.Sprintf("%s not compared: time-sensitive (judge %s in %s, BAPCtools %s in %s, limit %s)", r.Path, r.Got, ms(r.CPUTime), br.verdict, ms(br.duration), ms(limit)))
			continue
		}
		compared++
		if mine != their {
			disagreements = append(disagreements, fmt.Sprintf("disagrees on %s: judge %s, BAPCtools %s", r.Path, r.Got, br.verdict))
		}
	}
	return compared, notes, disagreements
}

func TestParseBapctools(t *testing.T) {
	out := `PROBLEM sum
Build submissions: accepted/sum.go             No language detected for sum/submissions/accepted/sum.go.
Build submissions: compile_error/undeclared.c  Failed
/tmp/bapctools_5f9ba7/sum/submissions/compile_error/undeclared.c/undeclared.c:1:25: error: x
Run: using timelimit: 0.7s

accepted/sum.c:               AC 0.003s @ sample/1         slowest:  AC 0.003s @ sample/1
run_time_error/parse.py:     RTE 0.092s @ sample/1         slowest: RTE 0.098s @ secret/02-big
brute_force/quadratic.py:      TLE 2.007s @ secret/2-large/1-many  slowest: TLE 2.007s @ secret/2-large/1-many
wrong_answer/int32.c:         WA 0.002s @ secret/02-big    slowest:  AC 0.003s @ sample/1
accepted/nudge.py:        WA 0.096s @ secret/2  permitted: [AC]  default_output_validator.cpp: Got: 0.0, wanted: 0.0000 (Relative error: nan)
accepted/nudge.py:        WA 0.096s @ secret/2  slowest:  WA 0.096s @ secret/2
`
	// A line as bt prints it under CI=1: coloured.
	out += "\x1b[36maccepted/count.py\x1b[0m:  \x1b[32m AC 0.125s\x1b[0m \x1b[2m@ secret/1-small/3     \x1b[0m  \x1b[2m\x1b[36mslowest\x1b[39m:\x1b[0m \x1b[32m AC 0.125s\x1b[0m \x1b[2m@ secret/1-small/3\x1b[0m\n"
	limit, got := parseBapctools(out)
	if limit != 700*time.Millisecond {
		t.Errorf("limit %s, want 700ms", limit)
	}
	want := map[string]btResult{
		"accepted/sum.go":            {verdict: "CE", unsure: "BAPCtools has no compiler for its language here"},
		"compile_error/undeclared.c": {verdict: "CE"},
		"accepted/sum.c":             {verdict: "AC", duration: 3 * time.Millisecond},
		"run_time_error/parse.py":    {verdict: "RTE", duration: 98 * time.Millisecond},
		"brute_force/quadratic.py":   {verdict: "TLE", duration: 2007 * time.Millisecond},
		"wrong_answer/int32.c":       {verdict: "WA", duration: 3 * time.Millisecond},
		"accepted/nudge.py":          {verdict: "WA", duration: 96 * time.Millisecond, unsure: btZeroRelative},
		"accepted/count.py":          {verdict: "AC", duration: 125 * time.Millisecond},
	}
	if len(got) != len(want) {
		t.Fatalf("parsed %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %+v, want %+v", k, got[k], w)
		}
	}
	p := &problem.Problem{Format: problem.Format202307, Limits: problem.Limits{TimeMultiplier: 2, SafetyMargin: 1.5}}
	if ptComparable(p, "MLE") != ptComparable(p, "RTE") || ptComparable(p, "OLE") != ptComparable(p, "RTE") {
		t.Error("2023-07: MLE and OLE must compare as BAPCtools' RTE")
	}
	for _, c := range []struct {
		p    *problem.Problem
		want string
	}{
		{&problem.Problem{Format: problem.FormatLegacy}, "legacy"},
		{&problem.Problem{Format: problem.Format202307, Type: problem.Scoring}, "scoring"},
		{&problem.Problem{Format: problem.Format202307, Include: map[string]map[string][]byte{"cpp": nil}}, "include/"},
		{&problem.Problem{Format: problem.Format202307, Type: problem.PassFail}, ""},
	} {
		if got := bapctoolsCannot(c.p); c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("bapctoolsCannot(%+v) = %q, want it to say %q", c.p, got, c.want)
		}
	}
}

// TestCompareBapctools proves the comparison fails on a disagreement and on a submission bt
// did not report, and compares neither what bt cannot build, nor OLE, nor a TLE at the limit's edge.
func TestCompareBapctools(t *testing.T) {
	p := &problem.Problem{Format: problem.Format202307, Limits: problem.Limits{TimeMultiplier: 2, SafetyMargin: 1.5}}
	rep := Report{Results: []Result{
		{Path: "accepted/a.c", Got: "AC", CPUTime: 10 * time.Millisecond},
		{Path: "run_time_error/hog.c", Got: "MLE", CPUTime: 10 * time.Millisecond},
		{Path: "wrong_answer/w.py", Got: "AC", CPUTime: 10 * time.Millisecond},
		{Path: "time_limit_exceeded/edge.py", Got: "AC", CPUTime: 1100 * time.Millisecond},
		{Path: "time_limit_exceeded/far.py", Got: "AC", CPUTime: 100 * time.Millisecond},
		{Path: "accepted/a.go", Got: "AC"},
		{Path: "accepted/lost.c", Got: "AC"},
		{Path: "output_limit_exceeded/spam.py", Got: "OLE"},
		{Path: "accepted/a.kt", Skipped: "no image"},
	}}
	theirs := map[string]btResult{
		"accepted/a.c":                  {verdict: "AC", duration: 10 * time.Millisecond},
		"run_time_error/hog.c":          {verdict: "RTE", duration: 10 * time.Millisecond},
		"wrong_answer/w.py":             {verdict: "WA", duration: 10 * time.Millisecond},
		"time_limit_exceeded/edge.py":   {verdict: "TLE", duration: 1200 * time.Millisecond},
		"time_limit_exceeded/far.py":    {verdict: "TLE", duration: 3 * time.Second},
		"accepted/a.go":                 {verdict: "CE", unsure: "no compiler"},
		"output_limit_exceeded/spam.py": {verdict: "TLE", duration: 3 * time.Second},
	}
	compared, notes, dis := compareBapctools(p, rep, time.Second, theirs)
	if compared != 4 {
		t.Errorf("compared %d, want 4 (a.c, hog.c, w.py, far.py)", compared)
	}
	if len(notes) != 3 || !strings.Contains(notes[0], "edge.py not compared: time-sensitive") || !strings.Contains(notes[1], "a.go not compared") || !strings.Contains(notes[2], "spam.py not compared: OLE") {
		t.Errorf("notes %q, want edge.py time-sensitive, a.go without compiler, spam.py OLE", notes)
	}
	want := []string{"disagrees on wrong_answer/w.py: judge AC, BAPCtools WA", "disagrees on time_limit_exceeded/far.py: judge AC, BAPCtools TLE", "did not report accepted/lost.c (judge AC)"}
	if strings.Join(dis, "\n") != strings.Join(want, "\n") {
		t.Errorf("disagreements %q, want %q", dis, want)
	}
}
