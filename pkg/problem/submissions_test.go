package problem

import (
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/judge/verdict"
)

func TestUnknownSubmissionFolderIsAWarning(t *testing.T) {
	files := minimal()
	files["submissions/slow_accepted/slow.py"] = "print('hello')\n"
	p, err := Load(writePkg(t, files))
	if err != nil {
		t.Fatalf("a package with an unknown submissions folder must load (problemtools skips it): %v", err)
	}
	if len(p.Submissions) != 2 {
		t.Errorf("submissions %d, want 2 (slow_accepted skipped)", len(p.Submissions))
	}
	if len(p.Warnings) != 1 || p.Warnings[0].Path != "submissions/slow_accepted/" || !strings.Contains(p.Warnings[0].Msg, "1 submission(s) skipped") {
		t.Fatalf("warnings %v", p.Warnings)
	}
}

func TestExpectations2023(t *testing.T) {
	files := minimal()
	files["problem.yaml"] = "problem_format_version: 2023-07\nname: Hello\n"
	files["data/secret/2.in"] = ""
	files["data/secret/2.ans"] = "hello\n"
	files["submissions/slow_accepted/slow.py"] = ""
	files["submissions/mixed/alice.py"] = ""
	files["submissions/mixed/bob.py"] = ""
	files["submissions/other/x.py"] = ""
	files["submissions/rejected/r.py"] = ""
	files["submissions/expectations.yaml"] = `slow_accepted: accepted
mixed:
  permitted: [AC, WA, TLE]
  required: [WA]
mixed/bob.py:
  sample: accepted
  secret: time limit exceeded
`
	p, err := Load(writePkg(t, files))
	if err != nil {
		t.Fatal(err)
	}
	subs := map[string]Submission{}
	for _, s := range p.Submissions {
		subs[s.Path] = s
	}
	if _, ok := subs["other/x.py"]; ok || len(p.Warnings) != 1 || p.Warnings[0].Path != "submissions/other/" {
		t.Fatalf("other/ is named nowhere: want it skipped with a warning; warnings %v", p.Warnings)
	}
	if got := subs["slow_accepted/slow.py"].Rules; len(got) != 1 || got[0].String() != "permitted AC" {
		t.Fatalf("slow_accepted rules %v", got)
	}
	if got := subs["mixed/bob.py"].Rules; len(got) != 3 {
		t.Fatalf("mixed/bob.py rules %v: want the folder's plus sample and secret", got)
	}
	tv := func(vs ...verdict.Verdict) []TestVerdict {
		names := []string{"sample/1", "secret/1", "secret/2"}
		var out []TestVerdict
		for i, v := range vs {
			out = append(out, TestVerdict{Name: names[i], Verdict: v})
		}
		return out
	}
	tests := []struct {
		sub   string
		got   verdict.Verdict
		tests []TestVerdict
		ok    bool
		why   string
	}{
		{"accepted/hello.py", "AC", tv("AC", "AC", "AC"), true, ""},
		{"accepted/hello.py", "WA", tv("AC", "WA"), false, "test secret/1 got WA (permitted AC)"},
		{"wrong_answer/bye.py", "WA", tv("AC", "WA"), true, ""},
		{"wrong_answer/bye.py", "TLE", tv("TLE"), false, "test sample/1 got TLE"},
		{"wrong_answer/bye.py", "CE", nil, false, "got CE"},
		{"rejected/r.py", "MLE", tv("AC", "MLE"), true, ""}, // MLE is RTE in 2023-07
		{"rejected/r.py", "AC", tv("AC", "AC", "AC"), false, "no test got RE or TLE or WA"},
		{"mixed/alice.py", "WA", tv("AC", "WA"), true, ""},
		{"mixed/bob.py", "TLE", tv("AC", "TLE", "AC"), false, "no test got WA (permitted AC,WA,TLE required WA)"}, // every rule must hold
		{"mixed/bob.py", "TLE", tv("AC", "WA", "TLE"), false, "test secret/1 got WA (secret: permitted AC,TLE required TLE)"},
	}
	for _, tc := range tests {
		ok, why := subs[tc.sub].Check(p.Format, tc.got, tc.tests)
		if ok != tc.ok || !strings.Contains(why, tc.why) {
			t.Errorf("%s got %s %v: ok=%v %q, want ok=%v %q", tc.sub, tc.got, tc.tests, ok, why, tc.ok, tc.why)
		}
	}
}

func TestLegacyVerdictMapping(t *testing.T) {
	rte := Submission{Path: "run_time_error/big.c", Expected: []verdict.Verdict{"RE"}}
	mle := Submission{Path: "memory_limit_exceeded/big.c", Expected: []verdict.Verdict{"MLE"}}
	wa := Submission{Path: "wrong_answer/spam.c", Expected: []verdict.Verdict{"WA"}}
	tests := []struct {
		s      Submission
		format string
		got    verdict.Verdict
		ok     bool
	}{
		{rte, FormatLegacy, "MLE", true}, // problemtools: the memory rlimit crashes it
		{mle, FormatLegacy, "MLE", true},
		{mle, FormatLegacy, "RE", true},
		{wa, FormatLegacy, "OLE", false}, // problemtools reports OLE, which no legacy folder expects
		{rte, FormatLegacy, "OLE", false},
		{Submission{Path: "output_limit_exceeded/spam.py", Expected: []verdict.Verdict{"OLE"}}, FormatLegacy, "OLE", true},
		{rte, FormatLegacy, "TLE", false},
		{rte, Format202307, "OLE", true},
		{wa, Format202307, "OLE", false},
	}
	for _, tc := range tests {
		if ok, why := tc.s.Check(tc.format, tc.got, nil); ok != tc.ok {
			t.Errorf("%s (%s) got %s: ok=%v (%s), want %v", tc.s.Path, tc.format, tc.got, ok, why, tc.ok)
		}
	}
}

func TestBadExpectations(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"accepted: fine\n", `unknown expectation "fine"`},
		{"accepted:\n  permitted: [AC, MLE]\n", `verdict "MLE": test verdicts are AC, WA, TLE and RTE`},
		{"accepted:\n  score: 3\n", "key score is not supported"},
		{"accepted:\n  bogus: 1\n", `unknown key "bogus"`},
		{"- a\n", "must map submission patterns"},
	} {
		files := minimal()
		files["problem.yaml"] = "problem_format_version: 2023-07\nname: Hello\n"
		files["submissions/expectations.yaml"] = tc.yaml
		_, err := Load(writePkg(t, files))
		if err == nil || !strings.Contains(err.Error(), "submissions/expectations.yaml") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.yaml, err, tc.want)
		}
	}
	files := minimal()
	files["submissions/expectations.yaml"] = "accepted: wrong answer\n"
	p, err := Load(writePkg(t, files))
	if err != nil || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0].Msg, "ignored in a legacy package") {
		t.Fatalf("legacy expectations.yaml: %v %v", err, p.Warnings)
	}
}

func TestIncludesAndRefusedParts(t *testing.T) {
	files := minimal()
	files["include/cpp/driver.h"] = "int solve(int);\n"
	files["include/cpp/main.cpp"] = "int main(){}\n"
	files["include/python3/lib.py"] = "X = 1\n"
	p, err := Load(writePkg(t, files))
	if err != nil {
		t.Fatal(err)
	}
	sub := map[string][]byte{"sol.cpp": []byte("int solve(int x){return x;}"), "main.cpp": []byte("mine")}
	got := p.IncludeFor("cpp", sub)
	if len(got) != 3 || string(got["main.cpp"]) != "int main(){}\n" || string(sub["main.cpp"]) != "mine" {
		t.Fatalf("IncludeFor(cpp) = %q: want the driver to replace main.cpp, the submission's map untouched", got)
	}
	if got := p.IncludeFor("java", sub); len(got) != 2 {
		t.Fatalf("no include for java: got %q", got)
	}

	files = minimal()
	files["problem.yaml"] = "problem_format_version: 2023-07\nname: X\ntype: multi-pass\nlimits: {validation_passes: 4}\n"
	files["output_validator/v.py"] = "print()\n"
	files["include/default/lib.txt"] = "x"
	p, err = Load(writePkg(t, files))
	if err != nil || p.Passes != 4 || len(p.IncludeFor("python3", nil)) != 1 {
		t.Fatalf("2023-07 multi-pass with include/default: %v passes %d", err, p.Passes)
	}

	for _, tc := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"graders/g.py": ""}, "graders/: custom graders are not supported"},
		{map[string]string{"static_validator/s.py": ""}, "static_validator/: static validators are not supported"},
		{map[string]string{"include/default/x.h": ""}, "include/default/ is 2023-07"},
		{map[string]string{"input_validators/in.ctd": ""}, "checktestdata and VIVA input validators are not supported"},
		{map[string]string{"data/secret/test_group.yaml": ""}, "test_group.yaml (a later draft's name) is not read"},
		{map[string]string{"include/x.h": ""}, "include/x.h: include/ holds one directory per language"},
		{map[string]string{"problem.yaml": "name: X\ntype: multi-pass\n"}, "type multi-pass is 2023-07"},
		{map[string]string{"problem.yaml": "problem_format_version: 2023-07\nname: X\ntype: multi-pass\n"}, "a multi-pass problem needs an output validator"},
		{map[string]string{"problem.yaml": "problem_format_version: 2023-07\nname: X\nlimits: {validation_passes: 3}\n"}, "validation_passes is only for multi-pass"},
		{map[string]string{"problem.yaml": "problem_format_version: 2023-07\nname: X\ntype: submit-answer\n"}, "submit-answer is not supported"},
		{map[string]string{"problem.yaml": "problem_format_version: 2023-07\nname: X\ntype: [interactive, multi-pass]\n", "output_validator/v.py": ""}, "multi-pass together with interactive is not supported"},
		{map[string]string{"problem.yaml": "problem_format_version: 2023-07\nname: X\nlimits: {code: big}\n"}, "limits.code: big is not a number"},
	} {
		files := minimal()
		for k, v := range tc.files {
			files[k] = v
		}
		if _, err := Load(writePkg(t, files)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.files, err, tc.want)
		}
	}
}

func TestSeveralLegacyValidators(t *testing.T) {
	files := minimal()
	files["problem.yaml"] = "name: X\nvalidation: custom\n"
	files["output_validators/a/a.py"] = ""
	files["output_validators/b/validate.cc"] = ""
	files["output_validators/b/validate.h"] = ""
	p, err := Load(writePkg(t, files))
	if err != nil || p.OutputValidator.Name != "a" || len(p.MoreOutputValidators) != 1 || len(p.MoreOutputValidators[0].Files) != 2 {
		t.Fatalf("two legacy validators: %v %+v", err, p)
	}
	files["problem.yaml"] = "name: X\nvalidation: custom interactive\n"
	if _, err := Load(writePkg(t, files)); err == nil || !strings.Contains(err.Error(), "several interactive validators are not supported") {
		t.Fatalf("two interactive validators: %v", err)
	}
	files = minimal()
	files["problem.yaml"] = "name: X\nvalidation: custom\n"
	files["output_validators/validate.cc"] = ""
	files["output_validators/validate.h"] = ""
	if p, err := Load(writePkg(t, files)); err != nil || len(p.OutputValidator.Files) != 2 || len(p.MoreOutputValidators) != 0 {
		t.Fatalf("loose validate.cc + validate.h are one program: %v", err)
	}
}
