package sandbox_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

var modes = []string{sandbox.ModeReuse, sandbox.ModeFresh}

// requireImage is the built image of recipe (testenv skips or fails when it is absent).
func requireImage(t testing.TB, recipe string) string {
	t.Helper()
	return testenv.Image(t, recipe)
}

// skipShort skips tests that need Docker under -short (make test-unit).
func skipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs containers on the Docker engine; skipped with -short")
	}
}

type env struct {
	sb     *sandbox.Sandbox
	docker *client.Client
}

// newSandbox starts a Sandbox in mode on the base image with the built-in language table and
// checks at cleanup that it leaves no container behind.
func newSandbox(t testing.TB, mode string, opts ...func(*sandbox.Options)) env {
	t.Helper()
	return newSandboxLangs(t, mode, mustLangs(t), opts...)
}

func newSandboxLangs(t testing.TB, mode string, langs *lang.Table, opts ...func(*sandbox.Options)) env {
	t.Helper()
	skipShort(t)
	docker := testenv.Docker(t)
	ref := requireImage(t, "base")
	o := sandbox.Options{
		Mode:      mode,
		AgentPath: testenv.JudgedBinary(t),
		PoolSize:  1,
		Images:    []string{ref},
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	for _, f := range opts {
		f(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sb, err := sandbox.New(ctx, docker, langs, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := sb.Close(ctx); err != nil {
			t.Errorf("close sandbox: %v", err)
		}
		if n := countContainers(t, docker, sb.Instance()); n != 0 {
			t.Errorf("%d sandbox containers left after Close", n)
		}
	})
	return env{sb: sb, docker: docker}
}

// exists says whether the engine still has container id.
func exists(docker *client.Client, id string) bool {
	_, err := docker.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
	return err == nil
}

func countContainers(t testing.TB, docker *client.Client, instance string) int {
	t.Helper()
	list, err := docker.ContainerList(context.Background(), client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", sandbox.LabelInstance+"="+instance),
	})
	if err != nil {
		t.Fatalf("list containers: %v", err)
	}
	return len(list.Items)
}

// compile compiles src in language and fails the test unless the compile status is want.
func compile(t testing.TB, sb *sandbox.Sandbox, language, src string, want run.Status) *sandbox.Program {
	t.Helper()
	l, _ := mustLangs(t).Get(language)
	name := "main"
	if len(l.Extensions) > 0 {
		name += l.Extensions[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, c, err := sb.Compile(ctx, language, map[string][]byte{name: []byte(src)})
	if err != nil {
		t.Fatalf("compile %s: %v", language, err)
	}
	if c.Status != want {
		t.Fatalf("compile %s: status %s, want %s; output:\n%s", language, c.Status, want, c.Output)
	}
	if p != nil {
		t.Cleanup(func() { p.Close() })
	}
	return p
}

func mustLangs(t testing.TB) *lang.Table {
	t.Helper()
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return langs
}

func runProgram(t testing.TB, p *sandbox.Program, spec run.Spec) run.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := p.Run(ctx, spec)
	if err != nil {
		t.Fatalf("run: %v (result %+v)", err, r)
	}
	return r
}
