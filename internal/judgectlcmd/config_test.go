package judgectlcmd

import (
	"os"
	"strings"
	"testing"
)

func TestConfigContextsFlow(t *testing.T) {
	f, _, _ := newTestFactory(t, nil)
	steps := []struct {
		args    []string
		code    int
		outHas  string
		errHas  string
		outLack string
	}{
		{args: []string{"config", "set", "server", "http://a:8080"}, errHas: `context "default"`},
		{args: []string{"config", "set", "token", "supersecrettoken42"}},
		{args: []string{"config", "set", "server", "http://b:8080", "--context", "b"}},
		{args: []string{"config", "get-contexts"}, outHas: "\tdefault\thttp://a:8080\tyes"},
		{args: []string{"config", "current-context"}, outHas: "default"},
		{args: []string{"config", "view"}, outHas: "supe…(redacted)", outLack: "supersecrettoken42"},
		{args: []string{"config", "view", "--raw"}, outHas: "supersecrettoken42"},
		{args: []string{"config", "use-context", "b"}, errHas: `Switched to context "b"`},
		{args: []string{"config", "current-context"}, outHas: "b"},
		{args: []string{"config", "use-context", "nope"}, code: ExitFailure, errHas: "known: default, b"},
		{args: []string{"config", "set", "colour", "x"}, code: ExitFailure, errHas: "unknown key"},
		{args: []string{"config", "set", "server", "nourl"}, code: ExitFailure, errHas: "give a URL"},
		{args: []string{"config", "set", "server"}, code: ExitFailure, errHas: "Usage:"},
	}
	for _, s := range steps {
		r := judgectl(t, f, s.args...)
		if r.code != s.code || !strings.Contains(r.out, s.outHas) || !strings.Contains(r.errOut, s.errHas) ||
			(s.outLack != "" && strings.Contains(r.out, s.outLack)) {
			t.Fatalf("judgectl %v = %d\nstdout:\n%s\nstderr:\n%s\nwant code %d, stdout with %q (without %q), stderr with %q",
				s.args, r.code, r.out, r.errOut, s.code, s.outHas, s.outLack, s.errHas)
		}
	}
	path, _ := f.ConfigPath()
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("config file %s: %v, mode %v; want 0600", path, err, st.Mode())
	}
}
