package judgectlcmd

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

// walk calls fn for every runnable command of the tree, cobra's own included.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	if c.Runnable() {
		fn(c)
	}
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

func allCommands(t *testing.T) []string {
	t.Helper()
	f, _, _ := newTestFactory(t, nil)
	root := NewRoot(f)
	root.InitDefaultCompletionCmd()
	var paths []string
	walk(root, func(c *cobra.Command) {
		paths = append(paths, strings.TrimPrefix(c.CommandPath(), "judgectl"))
	})
	if len(paths) < 20 {
		t.Fatalf("only %d commands found", len(paths))
	}
	return paths
}

// Help wins over every argument check, for every command, -h and --help alike.
func TestHelpWinsEverywhere(t *testing.T) {
	for _, path := range allCommands(t) {
		for _, h := range []string{"--help", "-h"} {
			f, _, _ := newTestFactory(t, nil)
			args := append(strings.Fields(path), h)
			r := judgectl(t, f, args...)
			if r.code != ExitOK || !strings.Contains(r.out, "Usage:") || r.errOut != "" {
				t.Errorf("judgectl %s: exit %d\nstdout %q\nstderr %q", strings.Join(args, " "), r.code, r.out, r.errOut)
			}
		}
	}
	// validate takes its words as they are: help still wins after real arguments.
	f, _, _ := newTestFactory(t, nil)
	if r := judgectl(t, f, "validate", "in", "ans", "--help"); r.code != ExitOK || !strings.Contains(r.out, "float_tolerance") {
		t.Errorf("validate in ans --help: exit %d, stdout %q", r.code, r.out)
	}
}

// Every command a user runs shows examples in its help (cobra's generated help command aside).
func TestEveryCommandHasExamples(t *testing.T) {
	f, _, _ := newTestFactory(t, nil)
	walk(NewRoot(f), func(c *cobra.Command) {
		if c.Name() == "help" {
			return
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no Example", c.CommandPath())
		} else if !strings.Contains(c.Example, "judgectl") {
			t.Errorf("%s: examples should show whole command lines: %q", c.CommandPath(), c.Example)
		}
	})
}

func TestVersionFlag(t *testing.T) {
	f, _, _ := newTestFactory(t, nil)
	r := judgectl(t, f, "--version")
	if r.code != ExitOK || !strings.HasPrefix(r.out, "judgectl ") || !strings.Contains(r.out, "commit") {
		t.Fatalf("--version: exit %d stdout %q stderr %q", r.code, r.out, r.errOut)
	}
	if v := judgectl(t, f, "version"); v.out != r.out {
		t.Errorf("--version %q and version %q differ", r.out, v.out)
	}
}

// -o takes the same three formats everywhere; YAML shows the JSON (API) keys, never Go field
// names.
func TestOutputFormatsAgree(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	if r := judgectl(t, f, "submit", writeFile(t, t.TempDir(), "ok.py", "print(1)"), "-p", "hello", "--wait"); r.code != ExitOK {
		t.Fatalf("submit: exit %d %s", r.code, r.errOut)
	}
	id := fakeID(1)
	cmds := [][]string{
		{"status", id}, {"tail", id}, {"languages"}, {"problem", "list"}, {"problem", "show", "hello"},
		{"version"}, {"config", "view"}, {"config", "get-contexts"},
	}
	for _, c := range cmds {
		rj := judgectl(t, f, append(c, "-o", "json")...)
		ry := judgectl(t, f, append(c, "-o", "yaml")...)
		if rj.code != ExitOK || ry.code != ExitOK {
			t.Errorf("%v: json exit %d (%s), yaml exit %d (%s)", c, rj.code, rj.errOut, ry.code, ry.errOut)
			continue
		}
		var fromJSON, fromYAML any
		if err := json.Unmarshal([]byte(rj.out), &fromJSON); err != nil {
			t.Errorf("%v -o json: %v\n%s", c, err, rj.out)
			continue
		}
		if err := yaml.Unmarshal([]byte(ry.out), &fromYAML); err != nil {
			t.Errorf("%v -o yaml: %v\n%s", c, err, ry.out)
			continue
		}
		// Compare through JSON, which normalises YAML's integer types.
		a, _ := json.Marshal(fromJSON)
		b, _ := json.Marshal(fromYAML)
		if string(a) != string(b) {
			t.Errorf("%v: yaml and json differ\njson: %s\nyaml: %s", c, a, b)
		}
	}
	ry := judgectl(t, f, "status", id, "-o", "yaml")
	for _, key := range []string{"time_ms:", "memory_kb:", "created_at:"} {
		if !strings.Contains(ry.out, key) {
			t.Errorf("status -o yaml lacks %s:\n%s", key, ry.out)
		}
	}
	for _, goName := range []string{"timems", "memorykb", "createdat"} {
		if strings.Contains(ry.out, goName) {
			t.Errorf("status -o yaml shows the Go field name %s:\n%s", goName, ry.out)
		}
	}
	if v := judgectl(t, f, "version", "-o", "yaml"); !strings.Contains(v.out, "go_version:") {
		t.Errorf("version -o yaml: %q", v.out)
	}
	// One flag, one answer to a typo, on every data command.
	for _, c := range append(cmds, []string{"bench"}, []string{"grade", t.TempDir(), "-p", "hello"},
		[]string{"problem", "verify", t.TempDir()}, []string{"problem", "push", t.TempDir()}, []string{"submit", "x.py"}) {
		r := judgectl(t, f, append(c, "-o", "xml")...)
		if r.code != ExitFailure || !strings.Contains(r.errOut, `unknown output format "xml": use one of table, json, yaml`) {
			t.Errorf("%v -o xml: exit %d stderr %q", c, r.code, r.errOut)
		}
	}
}

func TestJSONToYAMLKeepsStringsStrings(t *testing.T) {
	var b strings.Builder
	v := map[string]any{"id": "123", "flag": "true", "n": 5, "multi": "a\nb\n", "empty": nil}
	if err := writeData(&b, formatYAML, v); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := yaml.Unmarshal([]byte(b.String()), &back); err != nil {
		t.Fatal(err)
	}
	if back["id"] != "123" || back["flag"] != "true" || back["n"] != 5 || back["multi"] != "a\nb\n" || back["empty"] != nil {
		t.Errorf("round trip changed values: %#v\n%s", back, b.String())
	}
	if strings.Contains(b.String(), "{") {
		t.Errorf("flow style left in YAML:\n%s", b.String())
	}
}

func TestSubmissionIDCheckedBeforeContactingServer(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	for _, cmd := range []string{"status", "tail"} {
		r := judgectl(t, f, cmd, "not-a-uuid")
		if r.code != ExitFailure || !strings.Contains(r.errOut, `"not-a-uuid" is not a submission ID: an ID is a UUID`) {
			t.Errorf("%s not-a-uuid: exit %d stderr %q", cmd, r.code, r.errOut)
		}
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.streams) != 0 || len(api.lastIDs) != 0 {
		t.Errorf("the server was contacted: streams %v", api.streams)
	}
}

func TestSetContextTokenStdin(t *testing.T) {
	f, _, _ := newTestFactory(t, nil)
	in := f.IO.In.(interface{ WriteString(string) (int, error) })
	in.WriteString("  jdg_from_stdin_123  \nignored second line\n")
	r := judgectl(t, f, "config", "set-context", "prod", "--server", "http://judge.example:8080", "--token-stdin")
	if r.code != ExitOK || !strings.Contains(r.errOut, `Context "prod" saved`) {
		t.Fatalf("set-context: exit %d stderr %q", r.code, r.errOut)
	}
	r = judgectl(t, f, "config", "view", "--raw", "-o", "json")
	var cf struct {
		Current  string `json:"current-context"`
		Contexts []struct{ Name, Server, Token string }
	}
	if err := json.Unmarshal([]byte(r.out), &cf); err != nil {
		t.Fatalf("config view -o json: %v\n%s", err, r.out)
	}
	if cf.Current != "prod" || len(cf.Contexts) != 1 || cf.Contexts[0].Token != "jdg_from_stdin_123" || cf.Contexts[0].Server != "http://judge.example:8080" {
		t.Errorf("config after set-context = %+v", cf)
	}
	// Empty standard input is a usage error, not an empty token.
	r = judgectl(t, f, "config", "set-context", "prod", "--token-stdin")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "standard input holds no token") {
		t.Errorf("empty stdin: exit %d stderr %q", r.code, r.errOut)
	}
	if r := judgectl(t, f, "config", "set-context", "x", "--token", "a", "--token-stdin"); r.code != ExitFailure || !strings.Contains(r.errOut, "use one") {
		t.Errorf("--token with --token-stdin: exit %d stderr %q", r.code, r.errOut)
	}
}

func TestNoColorCountsOnlyWhenNonEmpty(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"NO_COLOR": ""}, false},
		{map[string]string{"NO_COLOR": "1"}, true},
		{map[string]string{"TERM": "dumb"}, true},
		{map[string]string{"TERM": "xterm-256color"}, false},
	}
	for _, tt := range tests {
		if got := noColor(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("noColor(%v) = %v, want %v", tt.env, got, tt.want)
		}
	}
}

// Ctrl-C cancels the command and the process exits 130, as a shell reports SIGINT.
func TestInterruptExits130(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	if r := judgectl(t, f, "submit", writeFile(t, t.TempDir(), "ok.py", "print(1)"), "-p", "hello"); r.code != ExitOK {
		t.Fatalf("submit: exit %d %s", r.code, r.errOut)
	}
	api.mu.Lock()
	api.hold = true
	api.mu.Unlock()
	cmd := judgectlProcess(t, api, "tail", fakeID(1))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-api.opened: // judgectl is following: its signal handler is in place
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("judgectl tail never opened the event stream; stderr %q", stderr.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("tail after SIGINT: %v, want exit status 130; stderr %q", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr %q does not say it was interrupted", stderr.String())
	}
}
