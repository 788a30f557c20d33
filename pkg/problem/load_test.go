package problem

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/judge/verdict"
)

// writeFile writes one file of a package under dir; content "->target" makes a symlink.
func writeFile(t testing.TB, dir, p, c string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if target, ok := strings.CutPrefix(c, "->"); ok {
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writePkg writes files (path -> content; content "->target" makes a symlink) under a new dir.
func writePkg(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		writeFile(t, dir, p, c)
	}
	return dir
}

func minimal() map[string]string {
	return map[string]string{
		"problem.yaml":                    "name: Hello\n",
		"data/sample/1.in":                "",
		"data/sample/1.ans":               "hello\n",
		"data/secret/1.in":                "",
		"data/secret/1.ans":               "hello\n",
		"submissions/accepted/hello.py":   "print('hello')\n",
		"submissions/wrong_answer/bye.py": "print('bye')\n",
	}
}

func TestLoadLegacyMinimal(t *testing.T) {
	p, err := Load(writePkg(t, minimal()))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Hello" || p.Format != FormatLegacy || p.Type != PassFail || p.Interactive || p.OutputValidator != nil {
		t.Fatalf("unexpected problem: %+v", p)
	}
	if p.Limits.TimeMultiplier != 5 || p.Limits.SafetyMargin != 2 || p.Limits.TimeLimit != 0 {
		t.Fatalf("legacy limits defaults: %+v", p.Limits)
	}
	tests := p.Tests()
	if len(tests) != 2 || tests[0].Name != "sample/1" || !tests[0].Sample || tests[1].Name != "secret/1" || tests[1].Sample {
		t.Fatalf("tests: %+v", tests)
	}
	if len(p.Submissions) != 2 || p.Submissions[0].Path != "accepted/hello.py" || p.Submissions[0].Expected[0] != "AC" || p.Submissions[1].Expected[0] != "WA" {
		t.Fatalf("submissions: %+v", p.Submissions)
	}
	if p.Data.Settings.OnReject != "break" || p.Data.Settings.VerdictMode != "worst_error" {
		t.Fatalf("root settings: %+v", p.Data.Settings)
	}
}

func TestLoadGroupsAndInheritance(t *testing.T) {
	files := minimal()
	files["problem.yaml"] = "name: G\ntype: scoring\nvalidator_flags: float_tolerance 1e-6\nlimits:\n  time_multiplier: 3\n  memory: 512\n"
	files["data/testdata.yaml"] = "grader_flags: ignore_sample sum\non_reject: continue\n"
	files["data/secret/testdata.yaml"] = "on_reject: continue\ngrader_flags: accept_if_any_accepted sum\n"
	files["data/secret/g1/testdata.yaml"] = "on_reject: break\ngrader_flags: min\naccept_score: 30\noutput_validator_flags: case_sensitive\n"
	files["data/secret/g1/a.in"] = "1"
	files["data/secret/g1/a.ans"] = "1"
	files["data/secret/g1/sub/b.in"] = "2"
	files["data/secret/g1/sub/b.ans"] = "2"
	files["data/secret/0.in"] = "0"
	files["data/secret/0.ans"] = "->../sample/1.ans" // symlinked test file
	delete(files, "submissions/wrong_answer/bye.py")
	p, err := Load(writePkg(t, files))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tc := range p.Tests() {
		names = append(names, tc.Name)
	}
	if got := strings.Join(names, ","); got != "sample/1,secret/0,secret/1,secret/g1/a,secret/g1/sub/b" {
		t.Fatalf("order %s", got)
	}
	if string(p.Tests()[1].Answer) != "hello\n" {
		t.Fatalf("symlinked answer not followed: %q", p.Tests()[1].Answer)
	}
	secret := p.Data.Items[1].Group
	g1 := secret.Items[2].Group
	sub := g1.Items[1].Group
	if !p.Data.Settings.IgnoreSample || secret.Settings.IgnoreSample {
		t.Fatalf("ignore_sample only at the root: %+v / %+v", p.Data.Settings, secret.Settings)
	}
	if g1.Settings.OnReject != "break" || g1.Settings.ScoreMode != "min" || g1.Settings.AcceptScore != 30 || !reflect.DeepEqual(sub.Settings, g1.Settings) {
		t.Fatalf("g1 %+v, inherited by sub %+v", g1.Settings, sub.Settings)
	}
	if strings.Join(g1.Settings.ValidatorFlags, " ") != "case_sensitive" || strings.Join(p.ValidatorFlags, " ") != "float_tolerance 1e-6" {
		t.Fatalf("flags %v %v", g1.Settings.ValidatorFlags, p.ValidatorFlags)
	}
	if p.Limits.TimeMultiplier != 3 || p.Limits.MemoryBytes != 512<<20 {
		t.Fatalf("limits %+v", p.Limits)
	}
}

func Test2023Format(t *testing.T) {
	files := map[string]string{
		"problem.yaml": `problem_format_version: 2023-07-draft
name: {en: Guess, sv: Gissa}
type: [scoring, interactive]
limits:
  time_limit: 1.5
  time_multipliers: {ac_to_time_limit: 3, time_limit_to_tle: 2}
`,
		"output_validator/validator.py":    "import sys\n",
		"output_validator/helper.py":       "",
		"data/sample/1.in":                 "5",
		"data/secret/g1/testdata.yaml":     "scoring: {score: 40, aggregation: min}\n",
		"data/secret/g1/1.in":              "7",
		"data/secret/g2/testdata.yaml":     "scoring: {score: 60, aggregation: sum}\noutput_validator_args: [--strict]\n",
		"data/secret/g2/1.in":              "9",
		"submissions/accepted/a.py":        "# @EXPECTED_RESULTS@: CORRECT\n",
		"submissions/partially_accepted/p": "", // replaced below by a folder
	}
	delete(files, "submissions/partially_accepted/p")
	files["submissions/partially_accepted/multi/main.py"] = "# @EXPECTED_RESULTS@: PA, WRONG-ANSWER\n"
	files["submissions/partially_accepted/multi/lib.py"] = ""
	p, err := Load(writePkg(t, files))
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != Format202307 || p.Name != "Guess" || p.Type != Scoring || !p.Interactive {
		t.Fatalf("problem %+v", p)
	}
	if p.Limits.TimeLimit != 1500*time.Millisecond || p.Limits.TimeMultiplier != 3 || p.Limits.SafetyMargin != 2 {
		t.Fatalf("limits %+v", p.Limits)
	}
	if p.OutputValidator == nil || len(p.OutputValidator.Files) != 2 {
		t.Fatalf("validator %+v", p.OutputValidator)
	}
	secret := p.Data.Items[1].Group
	g1, g2 := secret.Items[0].Group.Settings, secret.Items[1].Group.Settings
	if g1.Score != 40 || g1.ScoreMode != "min" || g1.OnReject != "break" || g2.Score != 60 || g2.ScoreMode != "sum" || g2.ValidatorFlags[0] != "--strict" {
		t.Fatalf("g1 %+v g2 %+v", g1, g2)
	}
	if !p.Data.Settings.IgnoreSample || !secret.Settings.AcceptIfAnyAccepted {
		t.Fatalf("2023-07 scoring defaults: root %+v secret %+v", p.Data.Settings, secret.Settings)
	}
	multi := p.Submissions[1]
	if multi.Path != "partially_accepted/multi" || len(multi.Files) != 2 || verdict.Join(multi.Expected, ",") != "PA,WA" {
		t.Fatalf("folder submission %+v", multi)
	}
}

func TestBrokenPackageListsEveryIssue(t *testing.T) {
	files := map[string]string{
		"problem.yaml":                   "name: X\nvalidation: custom\nlimitz: {}\nlimits: {memory: -3}\n",
		"data/secret/1.in":               "1",
		"data/secret/2.ans":              "2",
		"data/secret/3.in":               "3",
		"data/secret/3.ans":              "->/etc/passwd",
		"data/secret/4.in":               "4",
		"data/secret/4.ans":              "->../../../outside",
		"data/secret/testdata.yaml":      "on_reject: sometimes\n",
		"data/extra/x.in":                "",
		"submissions/accepted/a.py":      "",
		"submissions/maybe/b.py":         "",
		"submissions/wrong_answer/c.cpp": "// @EXPECTED_RESULTS@: CORRECT, BANANA\n",
	}
	_, err := Load(writePkg(t, files))
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("want *Error, got %v", err)
	}
	want := []string{
		`problem.yaml: unknown key "limitz"`,
		"limits.memory: -3",
		"output_validators/: missing",
		"data/secret/1.in: has no answer file 1.ans",
		"data/secret/2.ans: answer file without an input file",
		"absolute path \"/etc/passwd\" escapes the package",
		"escapes the package",
		"on_reject sometimes",
		"data/extra/: unexpected directory",
		`unknown verdict "BANANA"`,
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

func TestLoadMissingEverything(t *testing.T) {
	_, err := Load(writePkg(t, map[string]string{"README": "x"}))
	if err == nil || !strings.Contains(err.Error(), "problem.yaml: missing") || !strings.Contains(err.Error(), "data/: missing") {
		t.Fatalf("got %v", err)
	}
}

func TestComputeTimeLimit(t *testing.T) {
	tests := []struct {
		l       Limits
		slowest time.Duration
		want    time.Duration
	}{
		{Limits{TimeMultiplier: 5, TimeResolution: time.Second}, 100 * time.Millisecond, time.Second},
		{Limits{TimeMultiplier: 5, TimeResolution: time.Second}, 300 * time.Millisecond, 2 * time.Second},
		{Limits{TimeMultiplier: 2, TimeResolution: 100 * time.Millisecond}, 310 * time.Millisecond, 700 * time.Millisecond},
		{Limits{TimeMultiplier: 2, TimeResolution: time.Second}, 0, time.Second},
		{Limits{TimeLimit: 3 * time.Second, TimeMultiplier: 2}, 5 * time.Second, 3 * time.Second},
	}
	for _, tc := range tests {
		if got := tc.l.ComputeTimeLimit(tc.slowest); got != tc.want {
			t.Errorf("%+v.ComputeTimeLimit(%v) = %v, want %v", tc.l, tc.slowest, got, tc.want)
		}
	}
}

func TestParseExpectedResults(t *testing.T) {
	v, ok, err := ParseExpectedResults([]byte("// @EXPECTED_RESULTS@: TIMELIMIT, RUN-ERROR\nint main(){}"))
	if err != nil || !ok || verdict.Join(v, ",") != "TLE,RE" {
		t.Fatalf("got %v %v %v", v, ok, err)
	}
	if _, ok, _ := ParseExpectedResults([]byte("int main(){}")); ok {
		t.Fatal("found a comment that is not there")
	}
}

func TestPackDeterministicAndRoundTrip(t *testing.T) {
	files := minimal()
	files["data/secret/2.in"] = "->1.in"
	files["data/secret/2.ans"] = "->1.ans"
	dir := writePkg(t, files)
	for _, format := range []string{TarGz, Zip} {
		var a, b bytes.Buffer
		if err := Pack(&a, dir, format); err != nil {
			t.Fatal(err)
		}
		// Touch a file: same content, new mtime, must give the same bytes.
		now := time.Now().Add(time.Hour)
		if err := os.Chtimes(filepath.Join(dir, "problem.yaml"), now, now); err != nil {
			t.Fatal(err)
		}
		if err := Pack(&b, dir, format); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("%s: two packs of the same package differ", format)
		}
		p, err := LoadArchive(bytes.NewReader(a.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if len(p.Tests()) != 3 || string(p.Tests()[2].Answer) != "hello\n" || len(p.Submissions) != 2 {
			t.Fatalf("%s: round trip lost data: %d tests", format, len(p.Tests()))
		}
	}
	if err := Pack(&bytes.Buffer{}, dir, "rar"); err == nil {
		t.Fatal("unknown format accepted")
	}
}
