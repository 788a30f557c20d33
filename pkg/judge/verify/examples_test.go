package verify

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// TestExamplesVerify judges every submission of every example problem with the real sandbox
// and requires each to get an expected verdict. Languages whose image is missing are skipped
// (and said so); the "base" image (c, cpp, python3) is required.
func TestExamplesVerify(t *testing.T) {
	docker := testenv.Docker(t)
	testenv.Image(t, "base")
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	sb, err := sandbox.New(ctx, docker, langs, sandbox.Options{AgentPath: testenv.JudgedBinary(t), PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close(context.Background()) })
	available := map[string]bool{}
	avail := func(l lang.Language) bool {
		ref := image.Resolve(l.Image)
		if ok, seen := available[ref]; seen {
			return ok
		}
		ok, err := image.Exists(ctx, docker, ref)
		available[ref] = err == nil && ok
		return available[ref]
	}

	root := filepath.Join("..", "..", "..", "examples", "problems")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			p, err := problem.Load(filepath.Join(root, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Problem(ctx, p, langs, SandboxCompiler(sb), Options{Available: avail})
			var out bytes.Buffer
			Print(&out, rep)
			t.Log("\n" + out.String())
			if err != nil {
				t.Fatal(err)
			}
			judged := 0
			for _, r := range rep.Results {
				if r.Skipped != "" {
					continue
				}
				judged++
				if !r.OK() {
					t.Errorf("%s: got %s, want one of %v (%s)", r.Path, r.Got, r.Expected, r.Detail)
				}
			}
			if judged < 3 {
				t.Errorf("only %d submissions judged", judged)
			}
		})
	}
}
