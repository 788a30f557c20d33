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
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/judge-dev/judge/pkg/judge/verdict"
	"github.com/judge-dev/judge/pkg/problem"
)

// problemtools is the differential check of the example packages: Kattis problemtools'
// verifyproblem (installed by scripts/problemtools.sh, `make problemtools`) judges the same
// package with the host's compilers, and every submission both of them judge must get the same
// verdict, in the vocabulary the package's format has (problem.Comparable: problemtools knows
// no MLE or OLE). JUDGE_PROBLEMTOOLS names its verifyproblem; without it the check is skipped,
// unless JUDGE_REQUIRE_PROBLEMTOOLS=1 (make test sets both).
type problemtools struct {
	bin, config string
}

func findProblemtools(t *testing.T) *problemtools {
	bin, config := findReferenceTool(t, "problemtools", "JUDGE_PROBLEMTOOLS", "verifyproblem")
	if bin == "" {
		return nil
	}
	return &problemtools{bin: bin, config: config}
}

// findReferenceTool finds a reference judge a project script installed in a virtualenv (its
// scripts/NAME.sh, `make NAME`): env names its binary; without it the check is skipped ("")
// unless the matching JUDGE_REQUIRE_... is 1, which make test sets. config is the venv's config folder, where
// the script writes NAME/languages.yaml.
func findReferenceTool(t *testing.T, name, env, binName string) (bin, config string) {
	t.Helper()
	require := strings.Replace(env, "JUDGE_", "JUDGE_REQUIRE_", 1)
	bin = os.Getenv(env)
	if bin == "" {
		if os.Getenv(require) == "1" {
			t.Fatalf("%s=1 but %s is not set: run scripts/%s.sh and set it to the %s it prints", require, env, name, binName)
		}
		t.Logf("no differential check against %s: %s is not set (scripts/%s.sh installs it)", name, env, name)
		return "", ""
	}
	config = filepath.Join(filepath.Dir(filepath.Dir(bin)), "config")
	if _, err := os.Stat(filepath.Join(config, name, "languages.yaml")); err != nil {
		t.Fatalf("%s at %s has no config/%s/languages.yaml (scripts/%s.sh writes it): %v", name, bin, name, name, err)
	}
	return bin, config
}

// ptLine is one submission line of verifyproblem's report: "   accepted/a.py (Python 3) OK: AC
// [...]", "ERROR wrong_answer/b.c (C) got TLE [...]", "ERROR Compile error for c.go (Go) (...)".
var (
	ptVerdictRe = regexp.MustCompile(`^(?:\s+|ERROR |WARNING )(\S+) \((.+?)\) (OK: |OK with extra time: |got |was fully accepted: )(\w+)`)
	ptCompileRe = regexp.MustCompile(`^ERROR Compile error for (\S+) \((.+?)\)(.*)`)
)

// ptResult is what problemtools reported for one submission.
type ptResult struct {
	verdict string
	// unsure explains why the verdict is not comparable (no compiler here, time-sensitive).
	unsure string
}

func parseProblemtools(out string) map[string]ptResult {
	res := map[string]ptResult{}
	for _, line := range strings.Split(out, "\n") {
		if m := ptCompileRe.FindStringSubmatch(line); m != nil {
			r := ptResult{verdict: "CE"}
			if strings.Contains(m[3], "could not find compiler") || strings.Contains(m[3], "not seem to be installed") {
				r.unsure = "problemtools has no compiler for " + m[2] + " here"
			}
			res[m[1]] = r
			continue
		}
		m := ptVerdictRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		r := ptResult{verdict: m[4]}
		if m[3] == "OK with extra time: " {
			r.unsure = "time-sensitive in problemtools (passes only with its extra time)"
		}
		res[m[1]] = r
	}
	return res
}

// check runs verifyproblem on a copy of the package in dir and compares its verdicts with rep.
func (pt *problemtools) check(t *testing.T, dir string, p *problem.Problem, rep Report, ours string) {
	t.Helper()
	if p.Format == problem.Format202307 && p.Type == problem.Scoring {
		t.Log("problemtools: not compared: problemtools does not implement 2023-07 scoring (test_group aggregation); it says its 2023-07 support is very incomplete")
		return
	}
	// problemtools wants a lower-case alphanumeric short name, and refuses the legacy
	// time_limit (this judge's extension): the copy drops it, and both use this judge's limit.
	name := regexp.MustCompile(`[^a-z0-9]`).ReplaceAllString(strings.ToLower(filepath.Base(dir)), "")
	work := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(work, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if p.Format == problem.FormatLegacy {
		dropLegacyTimeLimit(t, filepath.Join(work, "problem.yaml"))
	}
	limit := math.Ceil(rep.TimeLimit.Seconds())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pt.bin, work, "-p", "submissions", "-t", fmt.Sprint(limit))
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+pt.config)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // it exits non-zero on any error of the package; the lines are what count
	theirs := parseProblemtools(out.String())
	compared := 0
	for _, r := range rep.Results {
		pr, ran := theirs[r.Path]
		switch {
		case r.Skipped != "" || r.Got == "":
			continue
		case !ran:
			t.Logf("problemtools: %s not compared: problemtools does not check its folder", r.Path)
			continue
		case pr.unsure != "":
			t.Logf("problemtools: %s not compared: %s", r.Path, pr.unsure)
			continue
		}
		compared++
		if ptComparable(p, string(r.Got)) != ptComparable(p, pr.verdict) {
			t.Errorf("problemtools disagrees on %s: judge %s, problemtools %s\n--- judge:\n%s\n--- problemtools:\n%s", r.Path, r.Got, pr.verdict, ours, out.String())
		}
	}
	t.Logf("problemtools: %d submissions compared, all agree unless reported", compared)
	if compared == 0 {
		t.Errorf("problemtools: no submission compared; its report:\n%s", out.String())
	}
}

// ptComparable puts a verdict of either side in the package format's vocabulary; problemtools
// reports a scoring submission as AC with its score where this judge says PA.
func ptComparable(p *problem.Problem, v string) string {
	switch v {
	case "RTE":
		v = "RE"
	case "JE":
		v = "IE"
	case "PA", "PAC":
		v = "AC"
	}
	return string(problem.Comparable(p.Format, verdict.Verdict(v)))
}

func dropLegacyTimeLimit(t *testing.T, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if lim, ok := m["limits"].(map[string]any); ok {
		delete(lim, "time_limit")
		if len(lim) == 0 {
			delete(m, "limits")
		}
	}
	data, err = yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseProblemtools(t *testing.T) {
	out := `Loading problem absdiff
ERROR Submission slow_accepted/x.py does not match any known submissions directory; ignoring it
   accepted/absdiff.cpp (C++) OK: AC [CPU: 0.01s @ testcase sample/1]
ERROR accepted/int32.c (C) got WA [CPU: 0.01s @ testcase sample/1]:
        === judgemessage.txt: ===
ERROR Compile error for accepted/sum.go (Go) (Go: could not find compiler "gccgo" -- is it installed and on PATH?)
ERROR Compile error for compile_error/bad.c (C) (main.c:1: error)
   time_limit_exceeded/count.py (Python 3) OK with extra time: TLE [CPU: 4.63s]
   partially_accepted/int32.c (C) OK: AC (40) [CPU: 0.01s]
`
	got := parseProblemtools(out)
	want := map[string]ptResult{
		"accepted/absdiff.cpp":         {verdict: "AC"},
		"accepted/int32.c":             {verdict: "WA"},
		"accepted/sum.go":              {verdict: "CE", unsure: `problemtools has no compiler for Go here`},
		"compile_error/bad.c":          {verdict: "CE"},
		"time_limit_exceeded/count.py": {verdict: "TLE", unsure: "time-sensitive in problemtools (passes only with its extra time)"},
		"partially_accepted/int32.c":   {verdict: "AC"},
	}
	if len(got) != len(want) {
		t.Fatalf("parsed %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %+v, want %+v", k, got[k], w)
		}
	}
	legacy := &problem.Problem{Format: problem.FormatLegacy}
	if ptComparable(legacy, "MLE") != ptComparable(legacy, "RTE") || ptComparable(legacy, "OLE") != "OLE" {
		t.Error("legacy: MLE must compare as problemtools' RTE, OLE as its OLE")
	}
}
