package judgectlcmd

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

// testRun is one judgectl invocation in a test.
type testRun struct {
	code        int
	out, errOut string
}

// newTestFactory returns a Factory on buffers with its own config file and no environment
// except env.
func newTestFactory(t *testing.T, env map[string]string) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := TestStreams()
	f := NewFactory(ios)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	f.ConfigPath = func() (string, error) { return cfgPath, nil }
	f.Getenv = func(k string) string { return env[k] }
	return f, out, errOut
}

// judgectl runs args with a fresh tree on f.
func judgectl(t *testing.T, f *Factory, args ...string) testRun {
	t.Helper()
	out := f.IO.Out.(*bytes.Buffer)
	errOut := f.IO.ErrOut.(*bytes.Buffer)
	out.Reset()
	errOut.Reset()
	code := run(context.Background(), f, args)
	return testRun{code: code, out: out.String(), errOut: errOut.String()}
}
