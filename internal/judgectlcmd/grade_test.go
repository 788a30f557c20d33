package judgectlcmd

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func gradeDir(t *testing.T) string {
	dir := t.TempDir()
	writeFile(t, dir, "alice.py", "print(1)")
	writeFile(t, dir, "bob.c", "WA")
	writeFile(t, dir, "carol/main.cpp", "TLE")
	// A folder of several files is one multi-file submission; this one has no source of any
	// language, so it cannot be judged.
	writeFile(t, dir, "dave/notes.md", "x")
	writeFile(t, dir, "dave/data.txt", "y")
	writeFile(t, dir, "erin.xyz", "x")
	return dir
}

func TestGradeFirstRunRerunAndForce(t *testing.T) {
	api := newFakeAPI(t)
	dir := gradeDir(t)
	f, _, _ := newTestFactory(t, api.env())
	junit := filepath.Join(t.TempDir(), "out.xml")

	r := judgectl(t, f, "grade", dir, "--problem", "hello", "--junit", junit)
	if r.code != ExitFailure {
		t.Fatalf("exit %d, want %d (dave and erin cannot be judged)\n%s%s", r.code, ExitFailure, r.out, r.errOut)
	}
	for _, s := range []string{"alice\tAC\t", "bob\tWA\t", "carol\tTLE\t", "dave\t", "no file with an extension of a language", "erin\t", `".xyz"`} {
		if !strings.Contains(r.out, s) {
			t.Errorf("grades lack %q:\n%s", s, r.out)
		}
	}
	if !strings.Contains(r.errOut, "2 of 5 entries could not be judged") {
		t.Errorf("stderr = %q", r.errOut)
	}
	if api.posts != 3 {
		t.Errorf("POSTs = %d, want 3", api.posts)
	}

	var suites junitSuites
	data, err := os.ReadFile(junit)
	if err != nil || xml.Unmarshal(data, &suites) != nil {
		t.Fatalf("junit: %v\n%s", err, data)
	}
	s := suites.Suites[0]
	if s.Tests != 5 || s.Failures != 2 || s.Errors != 2 || s.Cases[0].Name != "alice" || s.Cases[0].Failure != nil || s.Cases[1].Failure.Type != "WA" {
		t.Errorf("junit suite = %+v", s)
	}

	// Re-run: unchanged entries are not submitted again.
	r = judgectl(t, f, "grade", dir, "-p", "hello", "-o", "json")
	var entries []GradeEntry
	if err := json.Unmarshal([]byte(r.out), &entries); err != nil {
		t.Fatalf("json: %v\n%s", err, r.out)
	}
	if api.posts != 3 || !entries[0].Cached || entries[0].Verdict != "AC" {
		t.Errorf("re-run posted %d (want 3), alice = %+v", api.posts, entries[0])
	}

	// A changed source is re-graded; --force re-grades all.
	writeFile(t, dir, "alice.py", "RE")
	r = judgectl(t, f, "grade", dir, "-p", "hello", "-o", "csv")
	if api.posts != 4 || !strings.Contains(r.out, "alice,RE,") || !strings.HasPrefix(r.out, "student,verdict,") {
		t.Errorf("after change: posts %d\n%s", api.posts, r.out)
	}
	judgectl(t, f, "grade", dir, "-p", "hello", "--force")
	if api.posts != 7 {
		t.Errorf("after --force: posts %d, want 7", api.posts)
	}
	if _, err := os.Stat(filepath.Join(dir, gradeStateFile)); err != nil {
		t.Errorf("state file: %v", err)
	}
}

func TestGradeAllJudgedExitsZeroEvenWithWA(t *testing.T) {
	api := newFakeAPI(t)
	dir := t.TempDir()
	writeFile(t, dir, "a.py", "WA")
	writeFile(t, dir, "b.py", "AC")
	f, _, _ := newTestFactory(t, api.env())
	state := filepath.Join(t.TempDir(), "state.json")
	r := judgectl(t, f, "grade", dir, "-p", "hello", "--state", state)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if _, err := os.Stat(state); err != nil {
		t.Errorf("--state not written: %v", err)
	}
}

func TestGradeBadInput(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"grade", dir}, "needs --problem"},
		{[]string{"grade", filepath.Join(dir, "nope"), "-p", "x"}, "is not a directory"},
		{[]string{"grade", dir, "-p", "x"}, "no entries to grade"},
		{[]string{"grade", gradeDir(t), "-p", "nope"}, `problem "nope" does not exist`},
		{[]string{"grade", dir, "-p", "x", "-o", "xml"}, "unknown output format"},
	} {
		r := judgectl(t, f, tt.args...)
		if r.code != ExitFailure || !strings.Contains(r.errOut, tt.err) {
			t.Errorf("judgectl %v = %d %q, want 3 and %q", tt.args, r.code, r.errOut, tt.err)
		}
	}
}
