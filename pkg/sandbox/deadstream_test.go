package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// TestDeadStreamRunsInAnotherContainer: a container whose stream to its agent died while it
// waited (the Docker engine restarted, or the worker's connection to it was cut) must not turn
// the next run into an internal error, in either mode: the request never reached the agent, so
// it runs again in another container, and the dead one is destroyed.
func TestDeadStreamRunsInAnotherContainer(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newSandbox(t, mode)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			prog, c, err := e.sb.Compile(ctx, "python3", map[string][]byte{"main.py": []byte("print(input())\n")})
			if err != nil || c.Status != run.OK {
				t.Fatalf("compile: %v %+v", err, c)
			}
			defer prog.Close()
			spec := run.Spec{Stdin: []byte("one\n"), Limits: run.Limits{CPUTime: 5 * time.Second}}
			if res, err := prog.Run(ctx, spec); err != nil || string(res.Stdout) != "one\n" {
				t.Fatalf("first run: %v %+v", err, res)
			}
			first := prog.Container()
			if first == "" {
				t.Fatal("the program holds no container after a run")
			}
			sandbox.CutStream(prog)
			spec.Stdin = []byte("two\n")
			res, err := prog.Run(ctx, spec)
			if err != nil || res.Status != run.OK || string(res.Stdout) != "two\n" {
				t.Fatalf("run after the stream was cut: %v %+v, want OK printing two", err, res)
			}
			if got := prog.Container(); got == first {
				t.Errorf("the run stayed in container %s, whose stream was cut", short(first))
			}
		})
	}
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
