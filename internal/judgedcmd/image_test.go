package judgedcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/judge-dev/judge/internal/testenv"
)

func TestImageCommandsRejectUnknownNames(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"image", "build", "nosuch"}, `unknown image recipe "nosuch" (known: [base functional jvm mono native scripting])`},
		{[]string{"image", "build", "--lang", "c,cobra"}, `unknown language "cobra" (known: c, cpp, python3,`},
		{[]string{"image", "build", "base", "--lang", "c"}, "name recipes or --lang, not both"},
		{[]string{"image", "check", "--lang", "c,nope"}, `unknown language "nope" (known: c, cpp, python3,`},
		{[]string{"image", "check", "--languages-file", "/nonexistent/langs.yaml"}, "/nonexistent/langs.yaml"},
	}
	for _, tc := range tests {
		code, _, errOut := runJudged(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want non-zero and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestImageCheckPrintsTable(t *testing.T) {
	testenv.Image(t, "base")
	code, out, errOut := runJudged(t, "image", "check", "--lang", "c,python3")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "LANGUAGE") {
		t.Fatalf("want a header and 2 rows:\n%s", out)
	}
	for i, id := range []string{"c", "python3"} {
		f := strings.Fields(lines[i+1])
		if len(f) != 5 || f[0] != id || !strings.HasPrefix(f[1], "judge-runtime-base:") || f[4] != "ok" {
			t.Errorf("row %d = %q, want %s in the base image, ok", i+1, lines[i+1], id)
		}
	}
}

func TestImageCheckFailsWithCompilerOutput(t *testing.T) {
	testenv.Image(t, "base")
	file := filepath.Join(t.TempDir(), "langs.yaml")
	// A "c" whose compile always fails: the check must exit non-zero and show why.
	yaml := "languages:\n  - id: c\n    extensions: [.c]\n    image: base\n    source_file: main.c\n" +
		"    compile: [gcc, -include, /no/such/header.h, -o, main, \"{source}\"]\n    run: [./main]\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runJudged(t, "image", "check", "--languages-file", file)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"FAIL: compile: exit status 1", "/no/such/header.h", "--- c ("} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "1 of 1 languages failed") {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestImageListShowsPresence(t *testing.T) {
	tag := testenv.Image(t, "base")
	file := filepath.Join(t.TempDir(), "langs.yaml")
	yaml := "languages:\n" +
		"  - {id: c, extensions: [.c], image: base, source_file: main.c, run: [./main]}\n" +
		"  - {id: py, extensions: [.py], image: 'judge-test-absent:0', source_file: main.py, run: [python3, main.py]}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runJudged(t, "image", "list", "--languages-file", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and 2 rows:\n%s", out)
	}
	if f := strings.Fields(lines[1]); len(f) != 5 || f[0] != "base" || f[1] != tag || f[2] != "yes" || f[4] != "c" {
		t.Errorf("base row = %q", lines[1])
	}
	if f := strings.Fields(lines[2]); len(f) != 5 || f[1] != "judge-test-absent:0" || f[2] != "no" || f[3] != "-" || f[4] != "py" {
		t.Errorf("absent row = %q", lines[2])
	}
}
