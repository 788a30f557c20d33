package sandbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// exit3 is a program that exits with status 3, per language of the full image.
var exit3 = map[string]string{
	"java":       "public class Main { public static void main(String[] a) { System.exit(3); } }\n",
	"kotlin":     "fun main() { kotlin.system.exitProcess(3) }\n",
	"go":         "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(3) }\n",
	"rust":       "fn main() { std::process::exit(3); }\n",
	"javascript": "process.exit(3);\n",
	"ruby":       "exit 3\n",
	"php":        "<?php exit(3);\n",
	"csharp":     "class P { static int Main() { return 3; } }\n",
	"haskell":    "import System.Exit\nmain :: IO ()\nmain = exitWith (ExitFailure 3)\n",
	"ocaml":      "let () = exit 3\n",
	"scala":      "object Main { def main(a: Array[String]): Unit = sys.exit(3) }\n",
	"commonlisp": "(sb-ext:exit :code 3)\n",
	"prolog":     "main :- halt(3).\n",
}

// TestFullImageLanguages runs ok, RE and (for compiled languages) CE for every language of the
// "full" image, when that image is built.
func TestFullImageLanguages(t *testing.T) {
	skipShort(t)
	docker := testenv.Docker(t)
	if ok, err := image.Exists(context.Background(), docker, image.Resolve("full")); err != nil || !ok {
		t.Skip("the full image is not built (judged image build full); its languages are not tested")
	}
	langs := mustLangs(t)
	limits := run.Limits{CPUTime: 5 * time.Second, MemoryBytes: 512 << 20}
	for _, mode := range []string{sandbox.ModeReuse} {
		e := newSandbox(t, mode)
		for _, l := range langs.All() {
			if l.Image != "full" {
				continue
			}
			t.Run(l.ID, func(t *testing.T) {
				hello, ok := image.Hello(l.ID)
				if !ok {
					t.Fatalf("no check program for %s", l.ID)
				}
				p := compile(t, e.sb, l.ID, string(hello), run.OK)
				r := runProgram(t, p, run.Spec{Stdin: []byte("1000000000 2000000000\n"), Limits: limits})
				if r.Status != run.OK || !strings.Contains(string(r.Stdout), "3000000000") {
					t.Fatalf("ok: %s (%s) stdout %q stderr %q", r.Status, r.Message, r.Stdout, truncate(r.Stderr))
				}
				src, ok := exit3[l.ID]
				if !ok {
					t.Fatalf("no exit-3 program for %s", l.ID)
				}
				p = compile(t, e.sb, l.ID, src, run.OK)
				r = runProgram(t, p, run.Spec{Limits: limits})
				if r.Status != run.RE || r.ExitCode != 3 {
					t.Fatalf("exit 3: %s exit %d signal %q stderr %q", r.Status, r.ExitCode, r.Signal, truncate(r.Stderr))
				}
				if l.Compiled() {
					compile(t, e.sb, l.ID, "this is not a program }}}{{{", run.CE)
				}
			})
		}
	}
}
