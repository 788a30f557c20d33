package judgectlcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/apiv1"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSubmitWaitExitCodes(t *testing.T) {
	api := newFakeAPI(t)
	dir := t.TempDir()
	tests := []struct {
		source string
		code   int
	}{
		{"print(1)", ExitOK},
		{"WA", ExitRejected},
		{"TLE", ExitRejected},
		{"MLE", ExitRejected},
		{"OLE", ExitRejected},
		{"RE", ExitRejected},
		{"PA", ExitRejected},
		{"CE", ExitCompile},
		{"IE", ExitFailure},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			f, _, _ := newTestFactory(t, api.env())
			file := writeFile(t, dir, "x.py", tt.source)
			r := judgectl(t, f, "submit", file, "--problem", "hello", "--wait")
			if r.code != tt.code {
				t.Fatalf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.out, r.errOut)
			}
			want := verdictOf(tt.source)
			if !strings.Contains(r.out, ": "+want+" (") {
				t.Errorf("stdout lacks verdict %s:\n%s", want, r.out)
			}
			if want != apiv1.VerdictCE && !strings.Contains(r.out, "secret/03") {
				t.Errorf("stdout lacks per-test progress:\n%s", r.out)
			}
		})
	}
}

func TestSubmitSeveralFilesConcurrentlyJSON(t *testing.T) {
	api := newFakeAPI(t)
	dir := t.TempDir()
	f, _, _ := newTestFactory(t, api.env())
	a := writeFile(t, dir, "a.py", "print(1)")
	b := writeFile(t, dir, "b.c", "WA")
	c := writeFile(t, dir, "c.cpp", "int main(){}")
	r := judgectl(t, f, "submit", a, b, c, "-p", "hello", "--wait", "-o", "json")
	if r.code != ExitRejected {
		t.Fatalf("exit = %d, want %d (worst of AC, WA, AC)\n%s", r.code, ExitRejected, r.errOut)
	}
	var subs []apiv1.Submission
	if err := json.Unmarshal([]byte(r.out), &subs); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, r.out)
	}
	langs := map[string]bool{}
	for _, s := range subs {
		langs[s.Language] = true
	}
	if len(subs) != 3 || !langs["python3"] || !langs["c"] || !langs["cpp"] {
		t.Errorf("submissions = %+v, want python3, c and cpp", subs)
	}
}

func TestSubmitWithoutWaitPrintsIDsTSV(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	file := writeFile(t, t.TempDir(), "a.py", "WA")
	r := judgectl(t, f, "submit", file, "-p", "hello")
	if r.code != ExitOK || !strings.HasPrefix(r.out, fakeID(1)+"\t"+file+"\tpython3\tqueued") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.out, r.errOut)
	}
}

func TestSubmitTailsThroughDroppedStream(t *testing.T) {
	api := newFakeAPI(t)
	api.dropAfter = 2
	f, _, _ := newTestFactory(t, api.env())
	file := writeFile(t, t.TempDir(), "a.py", "print(1)")
	r := judgectl(t, f, "submit", file, "-p", "hello", "--wait")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	for _, name := range []string{"secret/01", "secret/02", "secret/03"} {
		if n := strings.Count(r.out, name); n != 1 {
			t.Errorf("%s printed %d times, want once:\n%s", name, n, r.out)
		}
	}
	if !strings.Contains(r.errOut, "reconnecting") {
		t.Errorf("stderr does not report the reconnect:\n%s", r.errOut)
	}
	if strings.Join(api.lastIDs, ",") != ",2" {
		t.Errorf("Last-Event-ID per connection = %q, want [\"\" \"2\"]", api.lastIDs)
	}
}

func TestSubmitBadInput(t *testing.T) {
	api := newFakeAPI(t)
	dir := t.TempDir()
	py := writeFile(t, dir, "a.py", "x")
	h := writeFile(t, dir, "a.h", "x")
	foo := writeFile(t, dir, "a.foo", "x")
	noext := writeFile(t, dir, "Makefile", "x")
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String()
	l.Close()
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		errHas []string
	}{
		{"missing file", api.env(), []string{"submit", filepath.Join(dir, "nope.py")}, []string{"does not exist"}},
		// A folder is one multi-file submission; this one mixes languages.
		{"directory", api.env(), []string{"submit", dir}, []string{"equally many sources of", "--lang"}},
		{"unknown extension", api.env(), []string{"submit", foo}, []string{`".foo"`, "--lang"}},
		{"no extension", api.env(), []string{"submit", noext}, []string{"no extension", "--lang"}},
		{"ambiguous", api.env(), []string{"submit", h}, []string{"ambiguous", "c, cpp", "--lang"}},
		{"no files", api.env(), []string{"submit"}, []string{"at least one", "Usage:"}},
		{"bad flag", api.env(), []string{"submit", py, "--frobnicate"}, []string{"unknown flag", "Usage:"}},
		{"bad format", api.env(), []string{"submit", py, "-o", "xml"}, []string{"unknown output format"}},
		{"stdin with problem", api.env(), []string{"submit", py, "-p", "x", "--stdin", py}, []string{"ad-hoc"}},
		{"no server", nil, []string{"submit", py}, []string{"no judge server configured", "config set server"}},
		{"bad token", map[string]string{"JUDGE_SERVER": api.srv.URL, "JUDGE_TOKEN": "bad"}, []string{"submit", py, "--lang", "python3"},
			[]string{"401", "config set token"}},
		{"unreachable", map[string]string{"JUDGE_SERVER": dead}, []string{"submit", py, "--lang", "python3"},
			[]string{"cannot reach", "judged api"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := newTestFactory(t, tt.env)
			r := judgectl(t, f, tt.args...)
			if r.code != ExitFailure {
				t.Errorf("exit = %d, want %d", r.code, ExitFailure)
			}
			for _, s := range tt.errHas {
				if !strings.Contains(r.errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.errOut)
				}
			}
		})
	}
	if api.posts != 0 {
		t.Errorf("bad input reached the server: %d POSTs", api.posts)
	}
}

func TestSubmitFlagParsing(t *testing.T) {
	f, _, _ := newTestFactory(t, nil)
	var got *SubmitOptions
	cmd := newSubmitCmd(f, func(_ context.Context, o *SubmitOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"a.py", "b.c", "-p", "sum", "-l", "c", "-w", "-o", "yaml", "--parallel", "2"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Files, ",") != "a.py,b.c" || got.Problem != "sum" || got.Lang != "c" || !got.Wait || got.Format != "yaml" || got.Parallel != 2 {
		t.Errorf("options = %+v", got)
	}
}

func TestDetectLanguageCaseRules(t *testing.T) {
	langs := []apiv1.Language{{ID: "c", Extensions: []string{".c"}}, {ID: "cpp", Extensions: []string{".C", ".cpp"}}, {ID: "py", Extensions: []string{"py"}}}
	for file, want := range map[string]string{"a.c": "c", "a.C": "cpp", "a.CPP": "cpp", "a.py": "py"} {
		if got, err := detectLanguage(langs, file); err != nil || got != want {
			t.Errorf("detectLanguage(%s) = %q, %v; want %q", file, got, err, want)
		}
	}
}

func TestSubmitAdHocWithLimits(t *testing.T) {
	api := newFakeAPI(t)
	dir := t.TempDir()
	f, _, _ := newTestFactory(t, api.env())
	src := writeFile(t, dir, "a.py", "print(input())")
	in := writeFile(t, dir, "in.txt", "42\n")
	exp := writeFile(t, dir, "exp.txt", "42\n")
	r := judgectl(t, f, "submit", src, "--stdin", in, "--expected", exp, "--time-limit", "1500ms", "--memory-limit", "64")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	req := api.lastRequest()
	if req.Problem != "" || req.Stdin == nil || *req.Stdin != "42\n" || req.ExpectedOutput == nil || *req.ExpectedOutput != "42\n" {
		t.Errorf("request = %+v", req)
	}
	if req.Limits == nil || req.Limits.TimeMS != 1500 || req.Limits.MemoryKB != 64*1024 {
		t.Errorf("limits = %+v, want 1500 ms and 65536 KB", req.Limits)
	}
	for _, bad := range [][]string{{"--time-limit", "-1s"}, {"--time-limit", "1500us"}, {"--memory-limit", "-5"}} {
		r := judgectl(t, f, append([]string{"submit", src}, bad...)...)
		if r.code != ExitFailure || !strings.Contains(r.errOut, bad[0]) {
			t.Errorf("%v: exit %d stderr %q", bad, r.code, r.errOut)
		}
	}
}

func TestSubmitFromStdin(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	f.IO.In.(*bytes.Buffer).WriteString("print('from stdin')  # WA\n")
	r := judgectl(t, f, "submit", "-", "--lang", "python3", "-p", "hello", "--wait")
	if r.code != ExitRejected || api.lastRequest().Source != "print('from stdin')  # WA\n" {
		t.Fatalf("exit %d source %q\n%s", r.code, api.lastRequest().Source, r.errOut)
	}
	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"submit", "-"}, "needs --lang"},
		{[]string{"submit", "-", "-", "--lang", "c"}, "only once"},
	} {
		r := judgectl(t, f, tt.args...)
		if r.code != ExitFailure || !strings.Contains(r.errOut, tt.err) {
			t.Errorf("%v: exit %d stderr %q", tt.args, r.code, r.errOut)
		}
	}
}
