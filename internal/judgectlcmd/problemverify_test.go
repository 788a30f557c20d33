package judgectlcmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProblemVerifyFlags(t *testing.T) {
	var got *ProblemVerifyOptions
	ios, _, _, _ := TestStreams()
	cmd := newProblemVerifyCmd(NewFactory(ios), func(_ context.Context, o *ProblemVerifyOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--local", "--mode", "fresh", "--probe-time", "3s", "--agent", "/x/judged", "examples/problems/sum"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.Local || got.Mode != "fresh" || got.Probe != 3*time.Second || got.Agent != "/x/judged" || got.Dir != "examples/problems/sum" {
		t.Fatalf("options %+v", got)
	}
}

func TestProblemVerifyErrors(t *testing.T) {
	ios, _, _, errOut := TestStreams()
	if code := Run(context.Background(), []string{"problem", "verify", "--local", t.TempDir()}, ios); code != ExitFailure || !strings.Contains(errOut.String(), "problem.yaml: missing") {
		t.Fatalf("broken package: exit %d, stderr %q", code, errOut.String())
	}
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestProblemVerifyServer(t *testing.T) {
	api := newFakeAPI(t)
	files := map[string]string{
		"problem.yaml":                    "name: Served\n",
		"data/secret/1.in":                "1",
		"data/secret/1.ans":               "1",
		"submissions/accepted/ok.py":      "print(1) # AC\n",
		"submissions/accepted/multi/a.py": "# AC\n",
		"submissions/accepted/multi/b.py": "\n",
		"submissions/accepted/sol.kt":     "// AC\n",
		"submissions/wrong_answer/bad.c":  "/* WA */\n",
	}
	dir := writeTree(t, files)
	f, _, _ := newTestFactory(t, api.env())
	r := judgectl(t, f, "problem", "verify", "--slug", "served", dir)
	if r.code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.errOut)
	}
	for _, want := range []string{"OK    accepted/ok.py", "SKIP  accepted/multi", "SKIP  accepted/sol.kt", "OK    wrong_answer/bad.c", "4 submissions: 2 as expected, 0 mismatched, 2 skipped"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	if api.lastRequest().Problem != "served" {
		t.Fatalf("submitted to problem %q", api.lastRequest().Problem)
	}

	r = judgectl(t, f, "problem", "verify", "-o", "json", "--slug", "served", dir)
	if r.code != ExitOK || !strings.Contains(r.out, `"path": "wrong_answer/bad.c"`) || strings.Contains(r.out, "verifying") {
		t.Fatalf("json: exit %d\n%s", r.code, r.out)
	}

	files["submissions/wrong_answer/lucky.py"] = "# AC\n"
	r = judgectl(t, f, "problem", "verify", "--slug", "served", writeTree(t, files))
	if r.code != ExitRejected || !strings.Contains(r.out, "FAIL  wrong_answer/lucky.py") {
		t.Fatalf("mismatch: exit %d\n%s", r.code, r.out)
	}
}
