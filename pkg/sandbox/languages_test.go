package sandbox_test

import (
	"context"
	"embed"
	"io/fs"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// testdata/fault/<id>.<ext> holds, per language, a program that reads a word: "exit" ends with
// status 3, "loop" spins on the CPU forever, "alloc" allocates and touches memory until it is
// stopped. One compile serves three verdicts, which keeps the slow compilers (Kotlin, Scala)
// from dominating the test's time.
//
//go:embed testdata/fault
var faultFS embed.FS

func faultProgram(t *testing.T, id string) string {
	t.Helper()
	matches, _ := fs.Glob(faultFS, "testdata/fault/"+id+".*")
	for _, m := range matches {
		if strings.TrimSuffix(path.Base(m), path.Ext(m)) == id {
			b, err := faultFS.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	return ""
}

// sqlFaults stand in for the fault program in SQL, which cannot read its input: a statement
// that fails, a query that never ends and one whose result outgrows memory.
var sqlFaults = map[string]string{
	"exit":  "SELECT * FROM no_such_table;\n",
	"loop":  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;\n",
	"alloc": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT length(group_concat(hex(randomblob(1000)))) FROM c;\n",
}

// Limits of the verdict test. The time limit leaves room for the slowest start (a JVM or
// Racket loading its libraries on a loaded machine); memory is over every runtime's own
// footprint and far under what the alloc case asks for.
var (
	okLimits  = run.Limits{CPUTime: 10 * time.Second, MemoryBytes: 512 << 20, Processes: 64}
	tleLimits = run.Limits{CPUTime: 2 * time.Second, MemoryBytes: 512 << 20, Processes: 64}
	mleLimits = run.Limits{CPUTime: 20 * time.Second, MemoryBytes: 256 << 20, Processes: 64}
)

// TestLanguageVerdicts gives every language of the built-in table, in both sandbox modes: the
// check program reading input (OK with the right sum), a compile error (CE, compiled languages),
// a non-zero exit (RE), an endless loop (TLE) and endless allocation (MLE). Languages run
// concurrently (as many as -parallel allows), each in its own containers.
func TestLanguageVerdicts(t *testing.T) {
	skipShort(t)
	langs := mustLangs(t)
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newSandbox(t, mode, func(o *sandbox.Options) { o.Images = nil })
			var peaks sync.Map
			t.Run("lang", func(t *testing.T) {
				for _, l := range langs.All() {
					t.Run(l.ID, func(t *testing.T) {
						t.Parallel()
						testenv.Image(t, l.Image) // skips without the image; fails under JUDGE_REQUIRE_STACK=1
						peaks.Store(l.ID, languageVerdicts(t, e.sb, l))
					})
				}
			})
			// The memory a hello world is reported to use, for docs/languages.md.
			for _, l := range langs.All() {
				if v, ok := peaks.Load(l.ID); ok {
					t.Logf("%-12s hello peak memory %5.1f MiB", l.ID, float64(v.(int64))/(1<<20))
				}
			}
		})
	}
}

func languageVerdicts(t *testing.T, sb *sandbox.Sandbox, l lang.Language) int64 {
	hello, ok := image.Hello(l.ID)
	if !ok {
		t.Fatalf("no check program for %s", l.ID)
	}
	p := compile(t, sb, l.ID, string(hello), run.OK)
	r := runProgram(t, p, run.Spec{Stdin: []byte("1000000000 2000000000\n"), Limits: okLimits})
	if r.Status != run.OK || strings.TrimSpace(string(r.Stdout)) != "3000000000" {
		t.Fatalf("hello: %s (%s) stdout %q stderr %q", r.Status, r.Message, r.Stdout, truncate(r.Stderr))
	}
	helloPeak := r.MemoryBytes
	if l.Compiled() {
		compile(t, sb, l.ID, "this is not a program }}}{{{", run.CE)
	}
	cases := []struct {
		input  string
		limits run.Limits
		want   run.Status
	}{
		{"exit", okLimits, run.RE},
		{"loop", tleLimits, run.TLE},
		{"alloc", mleLimits, run.MLE},
	}
	var fault *sandbox.Program
	if l.ID != "sql" {
		src := faultProgram(t, l.ID)
		if src == "" {
			t.Fatalf("no fault program for %s in testdata/fault", l.ID)
		}
		fault = compile(t, sb, l.ID, src, run.OK)
	}
	for _, c := range cases {
		p := fault
		if p == nil {
			p = compile(t, sb, l.ID, sqlFaults[c.input], run.OK)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		r, err := p.Run(ctx, run.Spec{Stdin: []byte(c.input + "\n"), Limits: c.limits})
		cancel()
		if err != nil {
			t.Errorf("%s: run: %v", c.input, err)
			continue
		}
		if r.Status != c.want {
			t.Errorf("%s: status %s (%s), want %s; exit %d signal %q cpu %v wall %v mem %d stderr %q",
				c.input, r.Status, r.Message, c.want, r.ExitCode, r.Signal, r.CPUTime, r.WallTime, r.MemoryBytes, truncate(r.Stderr))
			continue
		}
		if c.input == "exit" && l.ID != "sql" && r.ExitCode != 3 {
			t.Errorf("exit: exit code %d, want 3", r.ExitCode)
		}
	}
	return helloPeak
}

// The languages' versions come from the images, where `judged image build` recorded them.
func TestImageVersions(t *testing.T) {
	skipShort(t)
	docker := testenv.Docker(t)
	langs := mustLangs(t)
	for _, name := range langs.Images() {
		testenv.Image(t, name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := image.TableVersions(ctx, docker, langs)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range langs.All() {
		if v[l.ID] == "" {
			t.Errorf("%s: no version recorded in %s", l.ID, image.Resolve(l.Image))
		}
	}
}
