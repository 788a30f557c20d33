package sandbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// multiFile are programs of several files that read two numbers and print their sum, each with
// its code split the way its language splits code: a header and a second translation unit, a
// second class, an imported module, a module file.
var multiFile = []struct {
	lang  string
	entry string
	files map[string]string
}{
	{lang: "c", files: map[string]string{
		"main.c":         "#include <stdio.h>\n#include \"lib/sum.h\"\nint main(void){long long a,b;scanf(\"%lld %lld\",&a,&b);printf(\"%lld\\n\",sum(a,b));return 0;}\n",
		"lib/sum.h":      "long long sum(long long a, long long b);\n",
		"lib/sum.c":      "#include \"sum.h\"\nlong long sum(long long a, long long b){return a+b;}\n",
		"data/notes.txt": "not a source: placed, not compiled\n",
	}},
	{lang: "cpp", files: map[string]string{
		"main.cpp":  "#include <iostream>\n#include \"adder.hpp\"\nint main(){long long a,b;std::cin>>a>>b;std::cout<<Adder{}.add(a,b)<<\"\\n\";}\n",
		"adder.hpp": "struct Adder { long long add(long long a, long long b) const; };\n",
		"adder.cpp": "#include \"adder.hpp\"\nlong long Adder::add(long long a, long long b) const { return a + b; }\n",
	}},
	// The entry names the main class's file; neither file is called main.*.
	{lang: "java", entry: "App.java", files: map[string]string{
		"App.java":    "import java.util.Scanner;\npublic class App { public static void main(String[] a) { Scanner s = new Scanner(System.in); System.out.println(Summer.sum(s.nextLong(), s.nextLong())); } }\n",
		"Summer.java": "public class Summer { static long sum(long a, long b) { return a + b; } }\n",
	}},
	{lang: "python3", entry: "solve.py", files: map[string]string{
		"solve.py":            "from helpers.arith import add\na, b = map(int, input().split())\nprint(add(a, b))\n",
		"helpers/arith.py":    "def add(a, b):\n    return a + b\n",
		"helpers/__init__.py": "",
	}},
	{lang: "rust", files: map[string]string{
		"main.rs":  "mod arith;\nuse std::io::Read;\nfn main(){let mut s=String::new();std::io::stdin().read_to_string(&mut s).unwrap();let v:Vec<i64>=s.split_whitespace().map(|x|x.parse().unwrap()).collect();println!(\"{}\",arith::add(v[0],v[1]));}\n",
		"arith.rs": "pub fn add(a: i64, b: i64) -> i64 { a + b }\n",
	}},
	{lang: "go", files: map[string]string{
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tvar a, b int64\n\tfmt.Scan(&a, &b)\n\tfmt.Println(add(a, b))\n}\n",
		"add.go":  "package main\n\nfunc add(a, b int64) int64 { return a + b }\n",
	}},
}

// TestMultiFilePrograms compiles programs of several files (an entry, or the language's main.*
// rule) and runs them to the right answer: every file is in the work directory at the compile,
// and the compile builds all of the language's sources.
func TestMultiFilePrograms(t *testing.T) {
	skipShort(t)
	e := newSandbox(t, sandbox.ModeReuse, func(o *sandbox.Options) { o.Images = nil })
	langs := mustLangs(t)
	for _, tc := range multiFile {
		t.Run(tc.lang, func(t *testing.T) {
			l, _ := langs.Get(tc.lang)
			testenv.Image(t, l.Image)
			files := map[string][]byte{}
			for n, s := range tc.files {
				files[n] = []byte(s)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			p, c, err := e.sb.CompileEntry(ctx, tc.lang, files, tc.entry)
			if err != nil || c.Status != run.OK {
				t.Fatalf("compile: %v, status %s, output:\n%s", err, c.Status, c.Output)
			}
			defer p.Close()
			r := runProgram(t, p, run.Spec{Stdin: []byte("1000000000 2000000000\n"), Limits: okLimits})
			if r.Status != run.OK || strings.TrimSpace(string(r.Stdout)) != "3000000000" {
				t.Fatalf("run: %s (%s) stdout %q stderr %q", r.Status, r.Message, r.Stdout, truncate(r.Stderr))
			}
		})
	}
}

// TestMultiFileCompileCacheCoversEveryFile changes only a header between two compiles: the
// second must compile anew (and fail), not reuse the first one's binary.
func TestMultiFileCompileCacheCoversEveryFile(t *testing.T) {
	skipShort(t)
	e := newSandbox(t, sandbox.ModeReuse)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	files := map[string][]byte{
		"main.c": []byte("#include <stdio.h>\n#include \"v.h\"\nint main(void){printf(\"%d\\n\", V);return 0;}\n"),
		"v.h":    []byte("#define V 1\n"),
	}
	p, c, err := e.sb.CompileEntry(ctx, "c", files, "")
	if err != nil || c.Status != run.OK {
		t.Fatalf("compile: %v %s %s", err, c.Status, c.Output)
	}
	if r := runProgram(t, p, run.Spec{Limits: okLimits}); strings.TrimSpace(string(r.Stdout)) != "1" {
		t.Fatalf("first program printed %q, want 1", r.Stdout)
	}
	p.Close()
	files["v.h"] = []byte("#define V 2\n")
	p, c, err = e.sb.CompileEntry(ctx, "c", files, "")
	if err != nil || c.Status != run.OK {
		t.Fatalf("compile: %v %s %s", err, c.Status, c.Output)
	}
	defer p.Close()
	if r := runProgram(t, p, run.Spec{Limits: okLimits}); strings.TrimSpace(string(r.Stdout)) != "2" {
		t.Fatalf("after changing only the header the program printed %q, want 2 (a stale cached binary?)", r.Stdout)
	}
}

// TestMultiFileBadEntryIsCE: an entry that is not one of the files is the submission's fault.
func TestMultiFileBadEntryIsCE(t *testing.T) {
	skipShort(t)
	e := newSandbox(t, sandbox.ModeReuse)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, c, err := e.sb.CompileEntry(ctx, "python3", map[string][]byte{"a.py": []byte("print(1)\n")}, "missing.py")
	if err != nil || p != nil || c.Status != run.CE || !strings.Contains(string(c.Output), `"missing.py" is not one of`) {
		t.Fatalf("CompileEntry with a missing entry = %v, %v, %s %q; want CE naming the entry", p, err, c.Status, c.Output)
	}
}
