package sandbox_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// slowTable has languages whose compile step misbehaves, with tight compile limits.
const slowTable = `languages:
  - id: sleepy
    name: compile sleeps
    extensions: [.s1]
    image: base
    source_file: main.s1
    compile: [sh, -c, "sleep 60"]
    run: [cat, main.s1]
    compile_limits: {time: 1s, wall_time: 2s}
  - id: chatty
    name: compile floods its output
    extensions: [.s2]
    image: base
    source_file: main.s2
    compile: [sh, -c, "yes compiler-noise"]
    run: [cat, main.s2]
    compile_limits: {time: 5s, output: 64KiB}
  - id: forky
    name: compile leaves a process behind
    extensions: [.s3]
    image: base
    source_file: main.s3
    compile: [sh, -c, "(sleep 60 &) ; cp main.s3 out"]
    run: [cat, out]
  - id: badname
    name: compile leaves a file whose name no store takes
    extensions: [.s4]
    image: base
    source_file: main.s4
    compile: [sh, -c, "cp main.s4 out && touch 'a\\b'"]
    run: [cat, out]
  - id: bloat
    name: compile writes more than the work directory holds
    extensions: [.s5]
    image: base
    source_file: main.s5
    compile: [sh, -c, "head -c 300M /dev/zero > out"]
    run: [cat, out]
  - id: accents
    name: compile fails with long non-ASCII output
    extensions: [.s6]
    image: base
    source_file: main.s6
    compile: [sh, -c, "yes é | head -c 100001 >&2; exit 1"]
    run: [cat, main.s6]
`

func TestCompileOverLimitsIsCE(t *testing.T) {
	langs, err := lang.Parse("slow table", []byte(slowTable))
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newSandboxLangs(t, mode, langs)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()

			start := time.Now()
			p, c, err := e.sb.Compile(ctx, "sleepy", map[string][]byte{"a.s1": []byte("x")})
			if err != nil || p != nil || c.Status != run.CE || !strings.Contains(string(c.Output), "TLE") {
				t.Fatalf("sleepy: %v %v %s %q, want CE naming TLE", err, p, c.Status, c.Output)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Fatalf("sleepy took %v: the compile's wall cap did not stop it", d)
			}

			p, c, err = e.sb.Compile(ctx, "chatty", map[string][]byte{"a.s2": []byte("x")})
			if err != nil || p != nil || c.Status != run.CE || !strings.Contains(string(c.Output), "OLE") {
				t.Fatalf("chatty: %v %v %s, want CE naming OLE", err, p, c.Status)
			}
			if len(c.Output) > 70<<10 {
				t.Fatalf("chatty: %d bytes of compiler output, want it truncated near 64 KiB", len(c.Output))
			}

			p, c, err = e.sb.Compile(ctx, "forky", map[string][]byte{"a.s3": []byte("payload")})
			if err != nil || c.Status != run.OK {
				t.Fatalf("forky: %v %s %q", err, c.Status, c.Output)
			}
			defer p.Close()
			r, err := p.Run(ctx, run.Spec{Limits: small})
			if err != nil || r.Status != run.OK || string(r.Stdout) != "payload" {
				t.Fatalf("forky run: %v %s %q: the artifact of the compile step did not reach the run", err, r.Status, r.Stdout)
			}

			// Every misbehaving compile step is a CE that says why, never an IE.
			for _, c := range []struct{ lang, src, want string }{
				{"badname", "x", `name cannot be stored: "a\\b"`},
				{"bloat", "x", "CE"},
				{"accents", "x", "é\né"},
			} {
				p, comp, err := e.sb.Compile(ctx, c.lang, map[string][]byte{"a" + map[string]string{"badname": ".s4", "bloat": ".s5", "accents": ".s6"}[c.lang]: []byte(c.src)})
				if err != nil || p != nil || comp.Status != run.CE {
					t.Fatalf("%s: %v %v %s %q, want CE", c.lang, err, p, comp.Status, comp.Output)
				}
				if c.want != "CE" && !strings.Contains(string(comp.Output), c.want) {
					t.Errorf("%s: output %q lacks %q", c.lang, truncate(comp.Output), c.want)
				}
				if !utf8.Valid(comp.Output) || bytes.IndexByte(comp.Output, 0) >= 0 || len(comp.Output) > 70<<10 {
					t.Errorf("%s: compile output of %d bytes is not storable text", c.lang, len(comp.Output))
				}
			}
		})
	}
}

// TestBigArtifact compiles a C program with a 60 MiB binary and runs it: the artifact streams
// back and forth without the agent holding it in memory.
func TestBigArtifact(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newSandbox(t, mode)
			p := compile(t, e.sb, "c", `#include <stdio.h>
char big[60 << 20] = {1};
int main(void){ printf("%d\n", big[0] + big[(60 << 20) - 1]); return 0; }`, run.OK)
			bin, err := p.Artifact("main")
			if err != nil || len(bin) < 60<<20 {
				t.Fatalf("artifact main: %d bytes, %v", len(bin), err)
			}
			for range 2 { // the second run uses the file the agent kept
				r := runProgram(t, p, run.Spec{Limits: small})
				if r.Status != run.OK || string(r.Stdout) != "1\n" {
					t.Fatalf("run: %s (%s) %q", r.Status, r.Message, r.Stdout)
				}
				// The binary's pages are the file's, written before the run: not the program's.
				if r.MemoryBytes > 8<<20 {
					t.Errorf("memory %d: the kept binary was charged to the program", r.MemoryBytes)
				}
			}
		})
	}
}

// TestChildrenCPUCounts shows CPU burnt by a child the program waits for is the program's.
func TestChildrenCPUCounts(t *testing.T) {
	e := newSandbox(t, sandbox.ModeReuse)
	src := `#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(void){
  if(fork()==0){clock_t s=clock();volatile long x=0;while(clock()-s<CLOCKS_PER_SEC*3/10)x++;return 0;}
  wait(0);return 0;}`
	p := compile(t, e.sb, "c", src, run.OK)
	r := runProgram(t, p, run.Spec{Limits: small})
	if r.Status != run.OK || r.CPUTime < 250*time.Millisecond {
		t.Fatalf("status %s cpu %v: want OK with the child's ~300ms of CPU counted", r.Status, r.CPUTime)
	}
}

// TestProgramsOfSeveralFiles builds package programs the way problemtools does: every source of
// the language is compiled, headers are found beside them, the main source is main.*; a
// directory with a build script is built by it and run through its run file.
func TestProgramsOfSeveralFiles(t *testing.T) {
	e := newSandbox(t, sandbox.ModeReuse)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cpp, _ := mustLangs(t).Get("cpp")
	files := map[string][]byte{
		"validate.h":   []byte("#pragma once\nint twice(int);\n"),
		"validate.cc":  []byte("#include \"validate.h\"\n#include <cstdio>\nint main(){printf(\"%d\\n\", twice(21));}\n"),
		"lib/twice.cc": []byte("#include \"../validate.h\"\nint twice(int x){return 2*x;}\n"),
	}
	p, c, err := e.sb.CompileLanguage(ctx, cpp, files, "")
	if err != nil || c.Status != run.OK {
		t.Fatalf("validate.cc + validate.h + lib/twice.cc: %v %s %s", err, c.Status, c.Output)
	}
	if r := runProgram(t, p, run.Spec{Limits: small}); r.Status != run.OK || string(r.Stdout) != "42\n" {
		t.Fatalf("run: %s %q %q", r.Status, r.Stdout, r.Stderr)
	}

	br := map[string][]byte{
		"build":   []byte("#!/bin/sh\nset -e\ncc -O2 -o check check.c\nprintf '#!/bin/sh\\nexec ./check \"$@\"\\n' > run\n"),
		"check.c": []byte("#include <stdio.h>\nint main(int c, char **v){printf(\"%d args\\n\", c-1); return 42;}\n"),
		"README":  []byte("needs a C compiler\n"),
	}
	p, c, err = e.sb.CompileLanguage(ctx, lang.BuildRun("base"), br, "")
	if err != nil || c.Status != run.OK {
		t.Fatalf("build/run: %v %s %s", err, c.Status, c.Output)
	}
	if r := runProgram(t, p, run.Spec{Args: []string{"a", "b"}, Limits: small}); r.ExitCode != 42 || string(r.Stdout) != "2 args\n" {
		t.Fatalf("build/run run: %s exit %d %q %q", r.Status, r.ExitCode, r.Stdout, r.Stderr)
	}
	_, c, err = e.sb.CompileLanguage(ctx, lang.BuildRun("base"), map[string][]byte{"build": []byte("#!/bin/sh\ntrue\n")}, "")
	if err != nil || c.Status != run.CE || !strings.Contains(string(c.Output), "no run file") {
		t.Fatalf("build leaving no run: %v %s %q, want CE", err, c.Status, c.Output)
	}
}
