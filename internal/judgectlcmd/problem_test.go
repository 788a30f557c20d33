package judgectlcmd

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestReadCommands(t *testing.T) {
	api := newFakeAPI(t)
	tests := []struct {
		args   []string
		tty    bool
		code   int
		outHas []string
		errHas string
	}{
		{args: []string{"languages"}, outHas: []string{"python3\tPython 3\tPython 3.13.5\t.py\tno", "cpp\tC++\t-\t.cpp .cc .h .C\tyes"}},
		{args: []string{"languages"}, tty: true, outHas: []string{"ID ", "EXTENSIONS", "python3 "}},
		{args: []string{"languages", "-o", "json"}, outHas: []string{`"id": "python3"`}},
		{args: []string{"problem", "list"}, outHas: []string{"hello\tHello\t2\tpass-fail\t1\t3"}},
		{args: []string{"problem", "list", "-o", "yaml"}, outHas: []string{"slug: hello"}},
		{args: []string{"problem", "show", "hello"}, outHas: []string{"Version      2", "Tests        3 (1 samples)", "Time limit   default"}},
		{args: []string{"problem", "show", "nope"}, code: ExitFailure, errHas: "no problem nope"},
		{args: []string{"problem", "show"}, code: ExitFailure, errHas: "needs a problem slug"},
	}
	for _, tt := range tests {
		f, _, _ := newTestFactory(t, api.env())
		f.IO.OutTTY = tt.tty
		r := judgectl(t, f, tt.args...)
		if r.code != tt.code || !strings.Contains(r.errOut, tt.errHas) {
			t.Errorf("judgectl %v = %d, stderr %q; want %d and %q", tt.args, r.code, r.errOut, tt.code, tt.errHas)
		}
		for _, s := range tt.outHas {
			if !strings.Contains(r.out, s) {
				t.Errorf("judgectl %v stdout lacks %q:\n%s", tt.args, s, r.out)
			}
		}
	}
}

func TestProblemPush(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	root := t.TempDir()
	pkg := filepath.Join(root, "hello")
	for p, c := range map[string]string{
		"problem.yaml": "name: Hello\n", "data/sample/1.in": "", "data/sample/1.ans": "hello\n",
		"data/secret/1.in": "", "data/secret/1.ans": "hello\n",
	} {
		writeFile(t, pkg, p, c)
	}
	r := judgectl(t, f, "problem", "push", pkg)
	if r.code != 0 || !strings.Contains(r.out, "Pushed hello: version 1") {
		t.Fatalf("push: %d\n%s%s", r.code, r.out, r.errOut)
	}
	gz := api.problems["hello"]
	if len(gz) < 2 || gz[0] != 0x1f || gz[1] != 0x8b {
		t.Errorf("uploaded body is not gzip: % x", gz[:min(len(gz), 4)])
	}
	r = judgectl(t, f, "problem", "push", pkg, "--slug", "hi", "--archive", "zip", "-o", "json")
	if r.code != 0 || !strings.Contains(r.out, `"slug": "hi"`) || string(api.problems["hi"][:2]) != "PK" {
		t.Errorf("zip push: %d %s %s", r.code, r.out, r.errOut)
	}

	bad := filepath.Join(root, "broken")
	writeFile(t, bad, "problem.yaml", "name: X\nlimitz: {}\n")
	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"problem", "push", bad}, `unknown key "limitz"`},
		{[]string{"problem", "push", filepath.Join(root, "nope")}, "is not a directory"},
		{[]string{"problem", "push", pkg, "--slug", "Bad Slug"}, "use lower-case"},
		{[]string{"problem", "push", pkg, "--archive", "rar"}, "--archive"},
	} {
		r := judgectl(t, f, tt.args...)
		if r.code != ExitFailure || !strings.Contains(r.errOut, tt.err) {
			t.Errorf("judgectl %v = %d %q; want 3 and %q", tt.args, r.code, r.errOut, tt.err)
		}
	}
	if _, ok := api.problems["broken"]; ok {
		t.Error("a broken package was uploaded")
	}
}
