package hosttools

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// How a command reaches a machine (the third column of scripts/host-tools.tsv).
const (
	howBase    = "base"    // a Debian package of priority required: on every Debian system
	howInstall = "install" // installed by the scripts when missing
	howMachine = "machine" // on every fresh machine of the project's kind
	howProject = "project" // built by the project
)

// entry is one line of scripts/host-tools.tsv.
type entry struct {
	command, pkg, how string
	line              int
}

// uses maps a command to the places that run it ("scripts/x.sh:12").
type uses map[string][]string

func (u uses) add(cmd, where string) { u[cmd] = append(u[cmd], where) }

func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("find the module root: go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func readManifest(t *testing.T, root string) map[string]entry {
	t.Helper()
	path := filepath.Join(root, "scripts", "host-tools.tsv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("read the manifest: %v", err)
	}
	defer f.Close()
	m := map[string]entry{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 || fields[0] == "" || fields[1] == "" || !slices.Contains([]string{howBase, howInstall, howMachine, howProject}, fields[2]) {
			t.Errorf("scripts/host-tools.tsv:%d: want COMMAND<TAB>PACKAGE<TAB>base|install|machine|project, got %q", n, line)
			continue
		}
		if prev, dup := m[fields[0]]; dup {
			t.Errorf("scripts/host-tools.tsv:%d: %s is listed again (first on line %d)", n, fields[0], prev.line)
		}
		m[fields[0]] = entry{command: fields[0], pkg: fields[1], how: fields[2], line: n}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read the manifest: %v", err)
	}
	return m
}

// shellBuiltins are bash builtins and keywords: they run no program.
var shellBuiltins = setOf(`. : [ [[ alias bg bind break builtin caller cd command compgen complete
		continue declare dirs disown echo enable eval exec exit export false fc fg getopts hash help
		history jobs kill let local logout mapfile popd printf pushd pwd read readarray readonly return
		set shift shopt source suspend test times trap true type typeset ulimit umask unalias unset wait`)

func setOf(words string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}

// wrappers run the command given in their arguments; the value says how many leading arguments
// (after options) belong to the wrapper itself.
var wrappers = map[string]int{"exec": 0, "command": 0, "setsid": 0, "nohup": 0, "env": 0, "timeout": 1, "runuser": 0, "xargs": 0}

// scriptFile is one shell source: a script, or the recipes of the Makefile.
type scriptFile struct {
	name string
	src  string
}

func shellSources(t *testing.T, root string) []scriptFile {
	t.Helper()
	var files []scriptFile
	paths, _ := filepath.Glob(filepath.Join(root, "scripts", "*.sh"))
	// .ci/run, and the shell library the stack shares with the judge-kafka image.
	paths = append(paths, filepath.Join(root, ".ci", "run"), filepath.Join(root, "deploy", "images", "kafka-server-properties.sh"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, scriptFile{name: rel, src: string(b)})
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatalf("read Makefile: %v", err)
	}
	files = append(files, scriptFile{name: "Makefile", src: makeRecipes(string(mk))})
	return files
}

var makeVar = regexp.MustCompile(`\$\(([A-Z_]+)\)`)

// makeRecipes turns a Makefile's recipe lines into a shell script with the same line numbers:
// $(GO) becomes go, other make variables a shell variable.
func makeRecipes(mk string) string {
	var b strings.Builder
	for _, line := range strings.Split(mk, "\n") {
		if strings.HasPrefix(line, "\t") {
			line = strings.TrimLeft(strings.TrimPrefix(line, "\t"), "@-")
			line = makeVar.ReplaceAllStringFunc(line, func(v string) string {
				if v == "$(GO)" {
					return "go"
				}
				return "$" + makeVar.FindStringSubmatch(v)[1]
			})
			b.WriteString(line)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// installs is what the scripts install: the commands named to need_commands and the Debian
// packages named to install_packages or `apt-get install`.
type installs struct {
	commands, packages map[string]bool
}

// shellCommands returns the external commands the scripts run and what they install.
func shellCommands(t *testing.T, files []scriptFile) (run uses, installed installs) {
	t.Helper()
	run, installed = uses{}, installs{commands: map[string]bool{}, packages: map[string]bool{}}
	funcs := map[string]bool{}
	parsed := make([]*syntax.File, len(files))
	for i, f := range files {
		file, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(f.src), f.name)
		if err != nil {
			t.Fatalf("parse %s: %v", f.name, err)
		}
		parsed[i] = file
		syntax.Walk(file, func(n syntax.Node) bool {
			if fd, ok := n.(*syntax.FuncDecl); ok {
				funcs[fd.Name.Value] = true
			}
			return true
		})
	}
	for i, file := range parsed {
		name := files[i].name
		syntax.Walk(file, func(n syntax.Node) bool {
			call, ok := n.(*syntax.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			words := make([]string, len(call.Args))
			for j, w := range call.Args {
				words[j] = w.Lit() // "" when the word is not a plain literal
			}
			switch {
			case words[0] == "need_commands":
				for _, w := range words[1:] {
					installed.commands[w] = true
				}
				return true
			case words[0] == "install_packages":
				for _, w := range words[1:] {
					installed.packages[w] = true
				}
				return true
			case words[0] == "apt-get" && slices.Contains(words, "install"):
				for _, w := range words[slices.Index(words, "install")+1:] {
					if w != "" && !strings.HasPrefix(w, "-") {
						installed.packages[w] = true
					}
				}
			}
			for _, cmd := range commandsOf(words) {
				if cmd == "" || shellBuiltins[cmd] || funcs[cmd] || strings.Contains(cmd, "/") {
					continue
				}
				run.add(cmd, fmt.Sprintf("%s:%d", name, call.Pos().Line()))
			}
			return true
		})
	}
	return run, installed
}

// commandsOf returns the programs a simple command runs: the first word, and through wrappers
// such as `exec`, `timeout 5`, `runuser -u postgres --` and `env A=B` the program they start.
// Words that are not plain literals come back as "", and so does a lookup (`command -v x`).
func commandsOf(words []string) []string {
	var cmds []string
	for len(words) > 0 {
		w := words[0]
		cmds = append(cmds, w)
		skip, isWrapper := wrappers[w]
		if !isWrapper {
			return cmds
		}
		words = words[1:]
		if w == "command" && len(words) > 0 && (words[0] == "-v" || words[0] == "-V") {
			return cmds
		}
		if w == "runuser" {
			i := slices.Index(words, "--")
			if i < 0 {
				return cmds
			}
			words = words[i+1:]
			continue
		}
		for len(words) > 0 && (strings.HasPrefix(words[0], "-") || (w == "env" && strings.Contains(words[0], "="))) {
			words = words[1:]
		}
		if len(words) < skip {
			return cmds
		}
		words = words[skip:]
	}
	return cmds
}

// dynamicExecSites are exec call sites whose program is not a string literal, with why that is fine.
var dynamicExecSites = map[string]string{
	"bench/sandbox/main.go":                 "runs a program the benchmark itself just built",
	"e2e/cluster_test.go":                   "runs the judged binary the test built",
	"pkg/sandbox/crash_test.go":             "re-runs its own test binary (os.Args[0]) as the worker it kills",
	"e2e/private_test.go":                   "runs the project's own scripts/ (checked as scripts)",
	"e2e/classroom_test.go":                 "runs scripts/classroom-tools.sh and the act and gitlab-ci-local it installed",
	"e2e/judge0_test.go":                    "runs the python of the virtualenv scripts/judge0-client.sh made",
	"internal/testenv/judge0client.go":      "runs scripts/judge0-client.sh (checked as a script)",
	"internal/judgectlcmd/imports_test.go":  "runs the go command found by LookPath(\"go\")",
	"internal/testenv/testenv_test.go":      "runs the judged binary the test built",
	"internal/hosttools/hosttools_test.go":  "runs dpkg-query, named in the manifest",
	"pkg/judge/verify/problemtools_test.go": "runs the verifyproblem that scripts/problemtools.sh installed",
	"pkg/judge/verify/bapctools_test.go":    "runs the bt that scripts/bapctools.sh installed",
	"pkg/api/schemathesis_test.go":          "runs scripts/schemathesis.sh (checked as a script)",
	"pkg/api/upload_memory_test.go":         "runs the test binary itself as a child process",
	"internal/judgectlcmd/script_test.go":   "runs the test binary itself as judgectl",
	"internal/judgectlcmd/tmux_test.go":     "runs the tmux found by LookPath(\"tmux\")",
	"e2e/compose_test.go":                   "runs the project's own scripts/ (checked as scripts)",
	"pkg/image/registry_test.go":            "runs the project's own scripts/registry.sh (checked as a script)",
	"e2e/calibration_test.go":               "runs the judgectl binary the test built",
	"e2e/docker_stop_test.go":               "runs the project's own scripts/stack-docker.sh (checked as a script)",
	"internal/judgedcmd/wiring_test.go":     "runs the judged binary the test built",
	"pkg/store/types_test.go":               "runs the go command found by LookPath(\"go\")",
}

// goCommands returns the programs the module's Go code (tests included) executes by name.
func goCommands(t *testing.T, root string) uses {
	t.Helper()
	run := uses{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			// examples/ is a module of its own (submissions in problem packages); testdata is data.
			if rel == "examples" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("parse %s: %w", rel, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok || pkg.Name != "exec" {
				return true
			}
			arg := map[string]int{"Command": 0, "CommandContext": 1, "LookPath": 0}
			i, ok := arg[sel.Sel.Name]
			if !ok || len(call.Args) <= i {
				return true
			}
			where := fmt.Sprintf("%s:%d", rel, fset.Position(call.Pos()).Line)
			lit, ok := call.Args[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				if _, known := dynamicExecSites[rel]; !known {
					t.Errorf("%s: exec of a program that is not a string literal: name it in scripts/host-tools.tsv and dynamicExecSites, or use a literal", where)
				}
				return true
			}
			name, _ := strconv.Unquote(lit.Value)
			if !strings.Contains(name, "/") {
				run.add(name, where)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatalf("scan Go code: %v", err)
	}
	return run
}

var testscriptExec = regexp.MustCompile(`^\s*[!?]?\s*exec\s+(\S+)`)

// testscriptCommands returns the programs that testscript files (testdata/script/*.txtar) exec.
func testscriptCommands(t *testing.T, root string) uses {
	t.Helper()
	run := uses{}
	paths, err := filepath.Glob(filepath.Join(root, "*", "*", "testdata", "script", "*.txtar"))
	if err != nil {
		t.Fatalf("find testscripts: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		rel, _ := filepath.Rel(root, p)
		for n, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "-- ") {
				break // the archive's files start here
			}
			if m := testscriptExec.FindStringSubmatch(line); m != nil {
				run.add(m[1], fmt.Sprintf("%s:%d", rel, n+1))
			}
		}
	}
	return run
}

// TestEveryHostCommandIsInstalledByTheProject is the check of issue 9: a command that the
// project runs is either on every fresh machine of its kind or installed by its scripts.
func TestEveryHostCommandIsInstalledByTheProject(t *testing.T) {
	root := repoRoot(t)
	manifest := readManifest(t, root)
	scriptRuns, installed := shellCommands(t, shellSources(t, root))
	goRuns := goCommands(t, root)

	all := uses{}
	for _, u := range []uses{scriptRuns, goRuns, testscriptCommands(t, root)} {
		for cmd, where := range u {
			all[cmd] = append(all[cmd], where...)
		}
	}
	cmds := make([]string, 0, len(all))
	for cmd := range all {
		cmds = append(cmds, cmd)
	}
	sort.Strings(cmds)
	for _, cmd := range cmds {
		e, ok := manifest[cmd]
		if !ok {
			t.Errorf("%s runs %q, which scripts/host-tools.tsv does not name: add it with the Debian package that provides it (and install it with need_commands) or `machine`", strings.Join(all[cmd], ", "), cmd)
			continue
		}
		if e.how == howInstall && !installed.commands[cmd] && !installed.packages[e.pkg] {
			t.Errorf("%q comes from the Debian package %s (scripts/host-tools.tsv:%d) but no script runs `need_commands %s`: a fresh machine would lack it (used at %s)",
				cmd, e.pkg, e.line, cmd, strings.Join(all[cmd], ", "))
		}
	}
	for cmd := range installed.commands {
		if _, ok := manifest[cmd]; !ok {
			t.Errorf("need_commands %s: scripts/host-tools.tsv does not say which package provides it", cmd)
		}
	}
	for cmd, e := range manifest {
		if _, used := all[cmd]; !used && !installed.commands[cmd] {
			t.Errorf("scripts/host-tools.tsv:%d: %s is listed but nothing runs or installs it: remove the line", e.line, cmd)
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("%d external commands; the scripts install %d of them", len(cmds), len(installed.commands))
}

// TestManifestMatchesThisMachine checks each entry against the machine the test runs on, so that a
// wrong claim cannot hide in the manifest: a `machine` command is here; a `base` package has
// Debian priority required; an installed package really ships the command.
func TestManifestMatchesThisMachine(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: reads the machine's package database")
	}
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("not a Debian machine: dpkg-query is missing")
	}
	manifest := readManifest(t, repoRoot(t))
	for _, e := range manifest {
		switch e.how {
		case howProject:
			continue
		case howMachine:
			if _, err := exec.LookPath(e.command); err != nil {
				t.Errorf("scripts/host-tools.tsv:%d: %s is marked machine (on every fresh machine) but is not on this one", e.line, e.command)
			}
			continue
		case howBase:
			out, err := exec.Command("dpkg-query", "-W", "-f=${Priority}", e.pkg).Output()
			if err != nil || string(out) != "required" {
				t.Errorf("scripts/host-tools.tsv:%d: %s is marked base, but package %s has priority %q (%v): not on every Debian system, so install it", e.line, e.command, e.pkg, out, err)
			}
		}
		if !installedPackage(e.pkg) {
			continue // not installed here yet: the scripts install it when they need it
		}
		if !ships(e.pkg, e.command) {
			t.Errorf("scripts/host-tools.tsv:%d: the installed package %s ships no bin/%s: wrong package for %s", e.line, e.pkg, e.command, e.command)
		}
	}
}

func installedPackage(pkg string) bool {
	out, err := exec.Command("dpkg-query", "-W", "-f=${db:Status-Status}", pkg).Output()
	return err == nil && string(out) == "installed"
}

// ships reports whether the installed package pkg provides command: its file list has bin/command,
// or the program that command resolves to here (through /etc/alternatives, say) belongs to pkg or
// to a package pkg depends on directly (openjdk-17-jdk-headless → openjdk-17-jre-headless's java).
func ships(pkg, command string) bool {
	files, _ := exec.Command("dpkg-query", "-L", pkg).Output()
	for _, f := range strings.Split(string(files), "\n") {
		if filepath.Base(f) == command && strings.Contains(f, "bin/") {
			return true
		}
	}
	path, err := exec.LookPath(command)
	if err != nil {
		return false
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	out, err := exec.Command("dpkg-query", "-S", path).Output()
	if err != nil {
		return false
	}
	owners := strings.Split(strings.SplitN(string(out), ": ", 2)[0], ", ")
	deps, _ := exec.Command("dpkg-query", "-W", "-f=${Depends}", pkg).Output()
	for _, owner := range owners {
		owner = strings.SplitN(owner, ":", 2)[0] // drop an architecture qualifier
		if owner == pkg || regexp.MustCompile(`(^|[ ,|])`+regexp.QuoteMeta(owner)+`([ ,:(|]|$)`).Match(deps) {
			return true
		}
	}
	return false
}
