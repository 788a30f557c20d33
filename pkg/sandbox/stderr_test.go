package sandbox_test

import (
	"testing"

	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// TestStderrToStdout: with Spec.StderrToStdout the program writes both streams into stdout, in
// the order it wrote them (a shell's 2>&1), and stderr stays empty; without, they stay apart.
func TestStderrToStdout(t *testing.T) {
	e := newSandbox(t, sandbox.ModeReuse)
	p := compile(t, e.sb, "python3", "import sys\nprint('out', flush=True)\nprint('err', file=sys.stderr, flush=True)\nprint('out2')\n", run.OK)
	r := runProgram(t, p, run.Spec{StderrToStdout: true})
	if r.Status != run.OK || string(r.Stdout) != "out\nerr\nout2\n" || len(r.Stderr) != 0 {
		t.Errorf("merged: %s stdout %q stderr %q", r.Status, r.Stdout, r.Stderr)
	}
	r = runProgram(t, p, run.Spec{})
	if r.Status != run.OK || string(r.Stdout) != "out\nout2\n" || string(r.Stderr) != "err\n" {
		t.Errorf("apart: %s stdout %q stderr %q", r.Status, r.Stdout, r.Stderr)
	}
}
