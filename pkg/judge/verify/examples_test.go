package verify

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/engine"
	"github.com/judge-dev/judge/pkg/engine/sandboxed"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// TestExamplesVerify judges every submission of every example problem with the real sandbox
// and requires each to get an expected verdict, and the same verdict as Kattis problemtools
// (problemtools_test.go) and, for 2023-07 packages, BAPCtools (bapctools_test.go) where they
// can judge the submission too. Languages whose image is missing are skipped
// (and said so); the "base" image (c, cpp, python3) is required.
func TestExamplesVerify(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	eng, langs, avail := sandboxVerifier(ctx, t)

	// What some examples exist to show, beyond every submission getting what it expects.
	shows := map[string]struct {
		warning string            // a warning the package must produce
		got     map[string]string // submission → the verdict it must get
	}{
		// A C++ validator with its header; slow_accepted/ skipped; MLE in run_time_error/ is RE
		// under the legacy mapping.
		"absdiff": {warning: "submissions/slow_accepted/", got: map[string]string{"run_time_error/hog.cpp": "MLE", "output_limit_exceeded/spam.py": "OLE", "wrong_answer/int32.c": "WA"}},
		// An interactor of two files.
		"bits": {got: map[string]string{"accepted/bits.cpp": "AC", "wrong_answer/eleven_queries.py": "WA", "run_time_error/crash.py": "RE"}},
		// 2023-07 expectations.yaml: per-group rules, a folder of the package's own.
		"pairsum": {warning: "submissions/slow_accepted/", got: map[string]string{"brute_force/quadratic.py": "TLE", "mixed/ordered.py": "WA", "wrong_answer/int32.c": "WA"}},
		// Multi-pass: the wrong answer shows only on the second pass.
		"countdown": {got: map[string]string{"wrong_answer/first_pass_only.py": "WA", "run_time_error/no_second_pass.py": "RE", "accepted/count.c": "AC"}},
	}
	pt, bt := findProblemtools(t), findBapctools(t)
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
			rep, err := Problem(ctx, p, langs, eng, Options{Available: avail})
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
			if pt != nil {
				pt.check(t, filepath.Join(root, e.Name()), p, rep, out.String())
			}
			if bt != nil && p.Format == problem.Format202307 {
				bt.check(t, filepath.Join(root, e.Name()), p, rep, out.String())
			}
			want := shows[e.Name()]
			if want.warning != "" && !strings.Contains(strings.Join(rep.Warnings, "\n"), want.warning) {
				t.Errorf("warnings %q lack %q", rep.Warnings, want.warning)
			}
			for path, verdict := range want.got {
				i := slices.IndexFunc(rep.Results, func(r Result) bool { return r.Path == path })
				if i < 0 || string(rep.Results[i].Got) != verdict || !rep.Results[i].OK() {
					t.Errorf("%s: want %s, as expected; report %+v", path, verdict, rep.Results)
				}
			}
		})
	}
}

// sandboxVerifier is what a verification needs to judge with the real sandbox: its engine,
// the language table, and which languages have their image here. The "base" image (c, cpp,
// python3) is required; the sandbox is closed when the test ends.
func sandboxVerifier(ctx context.Context, t *testing.T) (*engine.Engine, *lang.Table, func(lang.Language) bool) {
	t.Helper()
	docker := testenv.Docker(t)
	testenv.Image(t, "base")
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
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
	return sandboxed.New(sb, langs), langs, avail
}
