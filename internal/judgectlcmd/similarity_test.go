package judgectlcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const simOriginal = `def solve(numbers):
    best = None
    total = 0
    for value in numbers:
        if best is None or value > best:
            best = value
        total += best
    return total

n = int(input())
print(solve(list(map(int, input().split()))))
`

// The same program renamed, re-commented and re-spaced.
const simCopy = `# my solution
def f(xs):
    m = None   # max so far
    s = 0
    for x in xs:
        if m is None   or x > m:
            m = x
        s += m
    return s

k = int(input())
print(f(list(map(int, input().split()))))
`

const simOther = `import sys
data = sys.stdin.read().split()
words = sorted(set(data[1:]), key=lambda w: (-len(w), w))
for w in words[:3]:
    sys.stdout.write(w.upper() + "\n")
`

func TestGradeSimilarityReport(t *testing.T) {
	api := newFakeAPI(t)
	dir := t.TempDir()
	writeFile(t, dir, "alice.py", simOriginal)
	writeFile(t, dir, "bob.py", simCopy)
	writeFile(t, dir, "carol.py", simOther)
	writeFile(t, dir, "dave.py", simOriginal+"\n# WA\n") // rejected: not compared
	report := filepath.Join(t.TempDir(), "sim.html")
	f, _, _ := newTestFactory(t, api.env())
	r := judgectl(t, f, "grade", dir, "-p", "hello", "--similarity", "--similarity-report", report)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if !strings.Contains(r.errOut, "3 accepted entries, 1 pair(s) at or above 50%") || !strings.Contains(r.errOut, "alice – bob") {
		t.Errorf("summary: %s", r.errOut)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	html := string(data)
	for _, want := range []string{"<h2 id=\"pair1\">1. alice – bob", `<div class="side">`, `<mark title="region 1"><sup>1</sup>def solve(numbers):`, "<mark title=\"region 1\"><sup>1</sup>def f(xs):", api.srv.URL + "/v1/submissions/"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "carol") || strings.Contains(html, "dave") {
		t.Errorf("carol (unrelated) or dave (rejected) is in the report")
	}

	// A re-run takes sources of cached entries from disk and still compares them; .md gives Markdown.
	md := filepath.Join(t.TempDir(), "sim.md")
	r = judgectl(t, f, "grade", dir, "-p", "hello", "--similarity", "--similarity-report", md)
	data, _ = os.ReadFile(md)
	if api.posts != 4 || !strings.Contains(string(data), "## 1. alice – bob") || !strings.Contains(string(data), "<summary>Region 1: alice lines 1–11, bob lines 2–12</summary>") {
		t.Errorf("posts %d; markdown report:\n%s", api.posts, data)
	}
	r = judgectl(t, f, "grade", dir, "-p", "hello", "--similarity-threshold", "2")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "between 0 and 1") {
		t.Errorf("bad threshold: %d %s", r.code, r.errOut)
	}
}
