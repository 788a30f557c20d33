package judgectlcmd

import (
	"strings"
	"testing"
)

func TestSubmitMarkdownFeedbackShowsSampleDataAndDiff(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	src := writeFile(t, t.TempDir(), "sol.py", "WA samples")
	r := judgectl(t, f, "submit", src, "-p", "sum", "--wait", "-o", "markdown")
	if r.code != ExitRejected {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitRejected, r.out, r.errOut)
	}
	for _, want := range []string{
		"## ❌ sum — WA (wrong answer)",
		"(" + api.srv.URL + "/v1/submissions/",    // a link to the submission
		"| 2 | secret/1 | hidden | ❌ WA | 5 ms |", // hidden: verdict, time, memory
		"### Sample test sample/1: WA",
		"<summary>Input</summary>\n\n```text\n1 2\n```",
		"<summary>Expected output</summary>\n\n```text\n3\n```",
		"<summary>Your output</summary>\n\n```text\n4\n```",
		"-3\n+4\n",
		"1 hidden test(s) failed",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "Sample test secret") {
		t.Errorf("a hidden test got a data section:\n%s", r.out)
	}
	if strings.Contains(r.out, "test 1 ") {
		t.Errorf("progress lines leaked into the report (they belong on stderr):\n%s", r.out)
	}
}

func TestTailHTMLShowsCompileErrorInFull(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	src := writeFile(t, t.TempDir(), "sol.c", "CE <x>")
	r := judgectl(t, f, "submit", src, "-p", "sum", "-o", "json")
	id := strings.Split(strings.Split(r.out, `"id": "`)[1], `"`)[0]
	r = judgectl(t, f, "tail", id, "-o", "html")
	if r.code != ExitCompile {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitCompile, r.out, r.errOut)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<h3>Compiler output</h3>", "<pre>main.c:1: error: expected &#39;;&#39;</pre>", "</html>"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("html lacks %q:\n%s", want, r.out)
		}
	}
}

func TestSubmitReportFormatNeedsWait(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	src := writeFile(t, t.TempDir(), "sol.py", "AC")
	r := judgectl(t, f, "submit", src, "-p", "sum", "-o", "html")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "add --wait") || api.posts != 0 {
		t.Fatalf("exit %d, posts %d, stderr %q: want a usage error before submitting", r.code, api.posts, r.errOut)
	}
}

func TestCompactDiffIsCut(t *testing.T) {
	var exp, act strings.Builder
	for i := range 100 {
		exp.WriteString(strings.Repeat("e", i%7+1) + "\n")
		act.WriteString(strings.Repeat("a", i%5+1) + "\n")
	}
	d := compactDiff(exp.String(), act.String())
	if n := strings.Count(d, "\n"); n != maxDiffLines+1 || !strings.Contains(d, "more diff lines") {
		t.Errorf("diff has %d lines, want %d and a note:\n%s", n, maxDiffLines+1, d)
	}
	if compactDiff("x\n", "x\n") != "" {
		t.Error("equal outputs must give no diff")
	}
}
