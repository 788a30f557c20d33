package sandboxed_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/engine"
	"github.com/judge-dev/judge/pkg/engine/sandboxed"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
)

// TestLocalEngine runs the engine on the real sandbox the way `judgectl problem verify --local`
// opens it: image availability, a measured run, a compile error, and a started (interactive)
// program through the adapter.
func TestLocalEngine(t *testing.T) {
	testenv.Docker(t)
	testenv.Image(t, "base")
	t.Setenv("JUDGE_DOCKER_HOST", testenv.DockerHost(t))
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	local, err := sandboxed.OpenLocal(ctx, langs, sandboxed.LocalOptions{Mode: sandboxed.ModeReuse, AgentPath: testenv.JudgedBinary(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := local.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	py, ok := langs.Get("python3")
	if !ok {
		t.Fatal("no python3 in the built-in table")
	}
	if !local.Available(ctx, py) {
		t.Fatalf("python3's image %s is built but reported unavailable", py.Image)
	}
	if local.Available(ctx, lang.Language{ID: "none", Image: "no-such-recipe-engine-test"}) {
		t.Fatal("a language whose image does not exist is reported available")
	}
	sub := func(src string) engine.Submission {
		return engine.Submission{Language: py, Files: map[string][]byte{"main.py": []byte(src)}}
	}

	c, r, err := local.Run(ctx, sub("print(input()[::-1])\n"), run.Spec{Stdin: []byte("abc\n")})
	if err != nil || r == nil || r.Status != run.OK || string(r.Stdout) != "cba\n" {
		t.Fatalf("run: %+v %+v %v", c, r, err)
	}
	cl, _ := langs.Get("c")
	ce := engine.Submission{Language: cl, Files: map[string][]byte{"main.c": []byte("int main( {")}}
	if c, r, err := local.Run(ctx, ce, run.Spec{}); err != nil || r != nil || c.Status != run.CE || len(c.Output) == 0 {
		t.Fatalf("a syntax error: %+v %+v %v, want CE with the compiler's output and no run", c, r, err)
	}

	exe, c, err := local.Compile(ctx, sub("import sys\nfor line in sys.stdin:\n    print(line.strip().upper(), flush=True)\n"))
	if err != nil || exe == nil {
		t.Fatalf("compile: %+v %v", c, err)
	}
	defer exe.Close()
	p, err := exe.Start(ctx, run.Spec{})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(p.Stdin(), "hi\n")
	p.Stdin().Close()
	out, _ := io.ReadAll(p.Stdout())
	res, err := p.Wait()
	if err != nil || res.Status != run.OK || string(out) != "HI\n" {
		t.Fatalf("started program: %q %+v %v", out, res, err)
	}
}
