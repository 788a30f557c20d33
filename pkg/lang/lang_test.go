package lang

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func builtinTable(t *testing.T) *Table {
	t.Helper()
	tab, err := Load("")
	if err != nil {
		t.Fatalf("Load built-in: %v", err)
	}
	return tab
}

func TestBuiltinHasEveryLanguage(t *testing.T) {
	tab := builtinTable(t)
	// The first 16 keep their ids and order; at least 40 in all (issue 13).
	first := []string{"c", "cpp", "python3", "java", "kotlin", "go", "rust", "javascript", "ruby",
		"php", "csharp", "haskell", "ocaml", "scala", "commonlisp", "prolog"}
	ids := tab.IDs()
	if len(ids) < 40 || !slices.Equal(ids[:len(first)], first) {
		t.Fatalf("ids = %v, want at least 40 starting %v", ids, first)
	}
	images := map[string]string{"c": "base", "cpp": "base", "python3": "base", "bash": "base",
		"java": "jvm", "kotlin": "jvm", "scala": "jvm", "go": "native", "rust": "native",
		"javascript": "scripting", "csharp": "mono", "haskell": "functional"}
	for _, l := range tab.All() {
		if want, ok := images[l.ID]; ok && l.Image != want {
			t.Errorf("%s: image %q, want %q", l.ID, l.Image, want)
		}
		if l.CompileLimits.CPUTime <= 0 || l.CompileLimits.MemoryBytes <= 0 || l.CompileLimits.Processes <= 0 {
			t.Errorf("%s: compile limits not filled: %+v", l.ID, l.CompileLimits)
		}
		// Versions are recorded in the images at build time, never typed into the table.
		if l.Version != "" || len(l.VersionCommand) == 0 {
			t.Errorf("%s: version %q, version_command %q; want none typed and a command", l.ID, l.Version, l.VersionCommand)
		}
	}
	if got := tab.Images(); !slices.Equal(got, []string{"base", "jvm", "native", "scripting", "mono", "functional"}) {
		t.Errorf("Images() = %v", got)
	}
}

func TestWithVersions(t *testing.T) {
	tab := builtinTable(t)
	v := tab.WithVersions(map[string]string{"c": "GCC 14.2.0", "nosuch": "x"})
	if c, _ := v.Get("c"); c.Version != "GCC 14.2.0" {
		t.Errorf("c: version %q", c.Version)
	}
	if c, _ := tab.Get("c"); c.Version != "" {
		t.Errorf("the original table changed: c has version %q", c.Version)
	}
	if cpp, _ := v.Get("cpp"); cpp.Version != "" || len(v.All()) != len(tab.All()) {
		t.Errorf("cpp: version %q; %d languages", cpp.Version, len(v.All()))
	}
}

func TestGetAndByExtension(t *testing.T) {
	tab := builtinTable(t)
	if _, ok := tab.Get("nope"); ok {
		t.Error("Get(nope) found a language")
	}
	c, ok := tab.Get("c")
	if !ok || !c.Compiled() {
		t.Fatalf("Get(c) = %+v, %v; want a compiled language", c, ok)
	}
	py, _ := tab.Get("python3")
	if py.Compiled() {
		t.Error("python3 reports Compiled")
	}
	for _, tc := range []struct{ ext, want string }{
		{".cpp", "cpp"}, {"CC", "cpp"}, {"py", "python3"}, {".PL", "prolog"}, {"kt", "kotlin"},
	} {
		ls := tab.ByExtension(tc.ext)
		if len(ls) != 1 || ls[0].ID != tc.want {
			t.Errorf("ByExtension(%q) = %v, want [%s]", tc.ext, ls, tc.want)
		}
	}
	if ls := tab.ByExtension(".xyz"); len(ls) != 0 {
		t.Errorf("ByExtension(.xyz) = %v, want none", ls)
	}
}

func TestPrepare(t *testing.T) {
	tab := builtinTable(t)
	tests := []struct {
		lang, source  string
		file          string
		compile, run  []string
		wantErrSubstr string
	}{
		{lang: "c", source: "int main(){}", file: "main.c",
			compile: []string{"gcc", "-std=gnu17", "-O2", "-pipe", "-o", "main", "main.c", "-lm"}, run: []string{"./main"}},
		{lang: "python3", source: "print(1)", file: "main.py", run: []string{"python3", "main.py"}},
		{lang: "java", source: "import java.util.*;\n\npublic final class Solution {\n}\nclass Helper {}", file: "Solution.java",
			compile: []string{"javac", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1", "-encoding", "UTF-8", "-d", ".", "Solution.java"},
			run:     []string{"java", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=100", "-Xss64m", "-cp", ".", "Solution"}},
		{lang: "java", source: "class Main {}", wantErrSubstr: "declares no main"},
		{lang: "scala", source: "object Hello extends App {}", file: "main.scala",
			compile: []string{"scalac", "-d", ".", "main.scala"}},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			l, _ := tab.Get(tc.lang)
			cmd, err := l.Prepare([]byte(tc.source))
			if tc.wantErrSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrSubstr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErrSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cmd.SourceFile != tc.file {
				t.Errorf("SourceFile = %q, want %q", cmd.SourceFile, tc.file)
			}
			if !slices.Equal(cmd.Compile, tc.compile) {
				t.Errorf("Compile = %q, want %q", cmd.Compile, tc.compile)
			}
			if tc.run != nil && !slices.Equal(cmd.Run, tc.run) {
				t.Errorf("Run = %q, want %q", cmd.Run, tc.run)
			}
		})
	}
	// Prepare must not alter the table's own argv.
	l, _ := tab.Get("java")
	if !slices.Contains(l.Run, "{main}") {
		t.Errorf("java run argv was modified: %q", l.Run)
	}
}

func TestMainMustBeAPlainName(t *testing.T) {
	tab, err := Parse("t.yaml", []byte("languages:\n  - id: x\n    extensions: [.x]\n    image: base\n    source_file: '{main}.x'\n    main_pattern: 'main=(\\S+)'\n    run: [x, '{source}']\n"))
	if err != nil {
		t.Fatal(err)
	}
	l, _ := tab.Get("x")
	for _, src := range []string{"main=../../etc/passwd", "main=..", "main=a\\b"} {
		if cmd, err := l.Prepare([]byte(src)); err == nil {
			t.Errorf("Prepare(%q) = %+v, want an error", src, cmd)
		}
	}
	if cmd, err := l.Prepare([]byte("main=Good")); err != nil || cmd.SourceFile != "Good.x" {
		t.Errorf("Prepare(main=Good) = %+v, %v", cmd, err)
	}
}

func TestParseErrors(t *testing.T) {
	const ok = `
  - id: c
    extensions: [.c]
    image: base
    source_file: main.c
    run: [./main]
`
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"empty", ``, []string{"empty file"}},
		{"no languages", "languages: []\n", []string{"no languages"}},
		{"unknown field", "languages:\n  - id: c\n    bogus: 1\n", []string{"bogus"}},
		{"duplicate id", "languages:" + ok + ok, []string{`language 2 (c): id "c" is already used by language 1`}},
		{"missing fields", "languages:\n  - id: Bad Id\n", []string{
			`id "Bad Id"`, "image: must not be empty", "extensions: want at least one",
			"source_file: must not be empty", "run: must not be empty"}},
		{"placeholder", "languages:\n  - id: x\n    extensions: [.x]\n    image: base\n    source_file: main.x\n    compile: [cc, \"{src}\"]\n    run: [./main, \"{main}\"]\n",
			[]string{"compile: unknown placeholder {src}"}},
		{"extension twice", "languages:\n  - id: x\n    extensions: [.x, X]\n    image: base\n    source_file: main.x\n    run: [a]\n",
			[]string{`extensions: "X" is listed twice`}},
		{"source path", "languages:\n  - id: x\n    extensions: [.x]\n    image: base\n    source_file: ../main.x\n    run: [a]\n",
			[]string{"must be a plain file name"}},
		{"main pattern", "languages:\n  - id: x\n    extensions: [.x]\n    image: base\n    source_file: main.x\n    main_pattern: 'class \\w+'\n    run: [a]\n",
			[]string{"has no group"}},
		{"limits", "languages:\n  - id: x\n    extensions: [.x]\n    image: base\n    source_file: main.x\n    run: [a]\n    env: [NOEQUALS]\n    compile_limits: {time: fast, memory: lots, processes: -1}\n",
			[]string{`env: "NOEQUALS"`, "compile_limits.time", "compile_limits.memory", "compile_limits.processes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "t.yaml") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestLoadFileOverridesAndDefaults(t *testing.T) {
	p := filepath.Join(t.TempDir(), "langs.yaml")
	src := "languages:\n  - id: c\n    extensions: [c]\n    image: gcc:13\n    source_file: a.c\n    compile: [gcc, a.c]\n    run: [./a.out]\n    compile_limits: {time: 4s, memory: 256MiB}\n"
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	l, ok := tab.Get("c")
	if !ok || l.Image != "gcc:13" || l.Name != "c" || !slices.Equal(l.Extensions, []string{".c"}) {
		t.Fatalf("got %+v", l)
	}
	lim := l.CompileLimits
	if lim.CPUTime != 4*time.Second || lim.WallTime != 30*time.Second || lim.MemoryBytes != 256<<20 ||
		lim.Processes != DefaultCompileLimits().Processes || lim.OutputBytes != DefaultCompileLimits().OutputBytes {
		t.Errorf("limits = %+v", lim)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Load(missing) err = %v, want it to name the file", err)
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1024", 1024, true}, {"512MiB", 512 << 20, true}, {"1GiB", 1 << 30, true}, {"64K", 64 << 10, true},
		{"2MB", 2_000_000, true}, {" 3 M ", 3 << 20, true}, {"0", 0, false}, {"-1M", 0, false}, {"lots", 0, false}, {"", 0, false},
	} {
		got, err := ParseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// docs/languages.md documents every built-in language, with the same name and image.
func TestDocsListEveryLanguage(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "languages.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range builtinTable(t).All() {
		row := "| `" + l.ID + "` | " + l.Name + " | "
		i := strings.Index(string(doc), row)
		if i < 0 {
			t.Errorf("docs/languages.md has no row starting %q", row)
			continue
		}
		line, _, _ := strings.Cut(string(doc[i:]), "\n")
		if !strings.Contains(line, " | "+l.Image+" | ") {
			t.Errorf("docs/languages.md row of %s does not say image %s: %s", l.ID, l.Image, line)
		}
	}
}

func TestSeveralSourcesAndDetect(t *testing.T) {
	tab := builtinTable(t)
	cpp, _ := tab.Get("cpp")
	cmd, err := cpp.Prepare([]byte("int main(){}"), "lib/util.cc", "b.cpp")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"g++", "-std=c++20", "-O2", "-pipe", "-o", "main", "main.cpp", "lib/util.cc", "b.cpp"}
	if !slices.Equal(cmd.Compile, want) {
		t.Errorf("Compile = %q, want %q", cmd.Compile, want)
	}
	if !cpp.IsSource("x/Validate.CC") || cpp.IsSource("validate.h") {
		t.Error("IsSource: .CC is C++, .h is not")
	}
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"validate.cc", "validate.h"}, "cpp"},
		{[]string{"a.py", "b.py", "c.cpp"}, "python3"},
		{[]string{"a.c", "b.cpp"}, "c"}, // tie: table order
		{[]string{"build", "validate.cc"}, BuildRunID},
		{[]string{"run", "README"}, BuildRunID},
		{[]string{"README", "data.txt"}, ""},
	} {
		l, ok := tab.ForProgram(tc.names)
		if ok != (tc.want != "") || l.ID != tc.want {
			t.Errorf("ForProgram(%q) = %q, %v; want %q", tc.names, l.ID, ok, tc.want)
		}
	}
	br := BuildRun("base")
	if !br.Compiled() || br.Image != "base" || !slices.Equal(br.Run, []string{"./run"}) {
		t.Errorf("BuildRun = %+v", br)
	}
	if _, err := Parse("t.yaml", []byte("languages:\n  - id: x\n    extensions: [.x]\n    image: base\n    source_file: a.x\n    compile: [cc, 'x{sources}']\n    run: [./a]\n")); err == nil || !strings.Contains(err.Error(), "{sources} as a whole entry") {
		t.Errorf("{sources} inside an entry: err = %v", err)
	}
}
