package sandbox_test

import (
	"testing"

	"github.com/judge-dev/judge/pkg/run"
)

func TestSmokePythonHello(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newSandbox(t, mode)
			p := compile(t, e.sb, "python3", "print(input()[::-1])\n", run.OK)
			for i := 0; i < 3; i++ {
				r := runProgram(t, p, run.Spec{Stdin: []byte("hello\n")})
				if r.Status != run.OK || string(r.Stdout) != "olleh\n" {
					t.Fatalf("run %d: %+v stdout %q stderr %q", i, r, r.Stdout, r.Stderr)
				}
				t.Logf("cpu %v wall %v mem %d", r.CPUTime, r.WallTime, r.MemoryBytes)
			}
		})
	}
}
