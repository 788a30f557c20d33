package judgedcmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/judge-dev/judge/internal/testenv"
)

func TestSandboxRunRejectsBadFlags(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "a.py")
	if err := os.WriteFile(src, []byte("print(1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sandbox", "run"}, "--file is required"},
		{[]string{"sandbox", "run", "--file", src, "--memory", "12XB"}, `--memory "12XB"`},
		{[]string{"sandbox", "run", "--file", src, "--output", "-1"}, `--output "-1"`},
		{[]string{"sandbox", "run", "--file", src, "--mode", "shared"}, `--mode "shared": want fresh or reuse`},
		{[]string{"sandbox", "run", "--file", src, "--lang", "intercal"}, `--lang "intercal" is not a known language`},
		{[]string{"sandbox", "run", "--file", filepath.Join(dir, "x.unknown")}, "cannot tell the language"},
		{[]string{"sandbox", "run", "--file", filepath.Join(dir, "missing.py")}, "read --file"},
		{[]string{"sandbox", "run", "--file", src, "-o", "yaml"}, `-o "yaml": want text or json`},
	}
	for _, tc := range tests {
		code, _, errOut := runJudged(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestSandboxRunJudgesPrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("runs containers on the Docker engine; skipped with -short")
	}
	testenv.Image(t, "base")
	agent := testenv.JudgedBinary(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	in := write("in.txt", "1 2 3\n")
	tests := []struct {
		name, file, body, mode string
		wantCompile, wantRun   string
		check                  func(t *testing.T, r map[string]any)
	}{
		{"python ok", "a.py", "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n", "reuse", "OK", "OK",
			func(t *testing.T, r map[string]any) {
				if r["stdout"] != "6\n" {
					t.Errorf("stdout %q, want 6", r["stdout"])
				}
			}},
		{"c segfault", "b.c", "int main(void){volatile int*p=0;return *p;}", "fresh", "OK", "RE",
			func(t *testing.T, r map[string]any) {
				if r["signal"] != "SIGSEGV" {
					t.Errorf("signal %v, want SIGSEGV", r["signal"])
				}
			}},
		{"c tle", "c.c", "int main(void){volatile long x=0;for(;;)x++;}", "reuse", "OK", "TLE", nil},
		{"c compile error", "d.c", "int main(void){return nope;}", "reuse", "CE", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := write(tc.file, tc.body)
			code, out, errOut := runJudged(t, "sandbox", "run", "--file", src, "--stdin", in, "--time", "500ms",
				"--memory", "64MiB", "--mode", tc.mode, "--agent", agent, "-o", "json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var rep struct {
				Compile map[string]any `json:"compile"`
				Run     map[string]any `json:"run"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if rep.Compile["status"] != tc.wantCompile {
				t.Fatalf("compile %v, want %s", rep.Compile, tc.wantCompile)
			}
			if tc.wantRun == "" {
				if rep.Run != nil || !strings.Contains(rep.Compile["output"].(string), "nope") {
					t.Fatalf("want no run and the compiler's message, got %v / %v", rep.Compile, rep.Run)
				}
				return
			}
			if rep.Run["status"] != tc.wantRun {
				t.Fatalf("run %v, want %s", rep.Run, tc.wantRun)
			}
			if tc.check != nil {
				tc.check(t, rep.Run)
			}
		})
	}
}
