package ctlconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveLoadRoundTripAndMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.yaml")
	f := &File{}
	f.Ensure("default").Server = "http://a"
	f.Ensure("prod").Token = "secret-token-123"
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	g, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if g.CurrentContext != "default" || len(g.Contexts) != 2 || g.Contexts[1].Token != "secret-token-123" {
		t.Errorf("loaded %+v", g)
	}
}

func TestLoadMissingIsEmptyAndBadYAMLNamesFile(t *testing.T) {
	dir := t.TempDir()
	f, err := Load(filepath.Join(dir, "nope.yaml"))
	if err != nil || len(f.Contexts) != 0 {
		t.Fatalf("Load(missing) = %+v, %v", f, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("contexts: [: :"), 0o600)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Load(bad) err = %v, want one naming the file", err)
	}
}

func TestResolvePrecedence(t *testing.T) {
	f := &File{CurrentContext: "a", Contexts: []Context{
		{Name: "a", Server: "http://a", Token: "ta"},
		{Name: "b", Server: "http://b", Token: "tb"},
	}}
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name             string
		o                Overrides
		env              map[string]string
		server, token    string
		wantErrSubstring string
	}{
		{name: "current context", server: "http://a", token: "ta"},
		{name: "--context", o: Overrides{Context: "b"}, server: "http://b", token: "tb"},
		{name: "env beats file", env: map[string]string{"JUDGE_SERVER": "http://env", "JUDGE_TOKEN": "te"}, server: "http://env", token: "te"},
		{name: "flags beat env", o: Overrides{Server: "http://flag", Token: "tf"}, env: map[string]string{"JUDGE_SERVER": "http://env", "JUDGE_TOKEN": "te"}, server: "http://flag", token: "tf"},
		{name: "unknown context", o: Overrides{Context: "zz"}, wantErrSubstring: "known: a, b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env = tt.env
			r, err := f.Resolve(tt.o, getenv)
			if tt.wantErrSubstring != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSubstring) {
					t.Fatalf("err = %v, want %q", err, tt.wantErrSubstring)
				}
				return
			}
			if err != nil || r.Server != tt.server || r.Token != tt.token {
				t.Fatalf("Resolve = %+v, %v; want %s %s", r, err, tt.server, tt.token)
			}
		})
	}
}

func TestResolveNoServer(t *testing.T) {
	_, err := (&File{}).Resolve(Overrides{}, func(string) string { return "" })
	if !errors.Is(err, ErrNoServer) {
		t.Fatalf("err = %v, want ErrNoServer", err)
	}
}

func TestMaskedHidesTokens(t *testing.T) {
	f := &File{Contexts: []Context{{Name: "a", Token: "abcdefghijklmnop"}, {Name: "b", Token: "short"}}}
	m := f.Masked()
	if strings.Contains(m.Contexts[0].Token, "mnop") || m.Contexts[1].Token == "short" {
		t.Errorf("masked = %+v", m.Contexts)
	}
	if f.Contexts[0].Token != "abcdefghijklmnop" {
		t.Error("Masked changed the original")
	}
}

func TestUseAndDeleteUnknown(t *testing.T) {
	f := &File{}
	if err := f.Use("x"); err == nil || !strings.Contains(err.Error(), "config set server") {
		t.Errorf("Use(unknown) = %v", err)
	}
	f.Ensure("x")
	if err := f.Delete("x"); err != nil || f.CurrentContext != "" {
		t.Errorf("Delete = %v, current %q", err, f.CurrentContext)
	}
}
