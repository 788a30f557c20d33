// Package lang owns the language table: for every language the judge accepts, which image it
// runs in, where its source goes, how it is compiled and run, and the limits of its compile step.
// The default table is embedded (languages.yaml); an operator can replace it with a file of the
// same format (--languages-file / JUDGE_LANGUAGES_FILE).
//
// Commands run with the work directory /box (a writable tmpfs); the source is written to
// /box/<source_file>. Argv entries may use three placeholders: {source} (the source file name),
// {main} (the main class or module named in the source by main_pattern, else the source file
// name without its extension) and, as a whole argv entry, {sources} (the source file followed by
// the program's other files in the language, for programs of several files).
package lang

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/judge-dev/judge/pkg/run"
)

// WorkDir is where sources are placed and commands run inside the container.
const WorkDir = "/box"

// Language is one entry of the table.
type Language struct {
	// ID is the stable name clients submit ("cpp").
	ID string
	// Name is for people ("C++20 (GCC)").
	Name string
	// Version describes the toolchain, for docs and `judgectl languages`. The built-in table
	// leaves it empty: WithVersions fills it from the image, where it was queried at build time.
	Version string
	// VersionCommand prints the toolchain's version (its first line is kept); `judged image
	// build` runs it in the built image and records the output in the image.
	VersionCommand []string
	// Extensions are lower-case with a leading dot (".cpp").
	Extensions []string
	// Image is a recipe name of pkg/image ("base", "jvm", ...) or a literal image reference.
	Image string
	// SourceFile is the file name under WorkDir; it may contain {main}.
	SourceFile string
	// MainPattern is a regexp whose first group names the main class or module; empty means
	// {main} is SourceFile without its extension.
	MainPattern string
	// Compile is the compile argv; empty means the language is interpreted.
	Compile []string
	// Run is the argv that starts the program.
	Run []string
	// Env holds KEY=VALUE pairs set for both the compile and the run.
	Env []string
	// CompileLimits bound the compile step.
	CompileLimits run.Limits

	mainRE *regexp.Regexp
}

// Compiled reports whether the language has a compile step.
func (l Language) Compiled() bool { return len(l.Compile) > 0 }

// Command is a language's argv resolved for one source.
type Command struct {
	// SourceFile is the file name under WorkDir to write the source to.
	SourceFile string
	// Compile is nil for interpreted languages.
	Compile []string
	Run     []string
}

// Prepare resolves the placeholders of l for source. others are the program's other source
// files in the language (paths relative to the work directory), which an argv entry {sources}
// expands to after the source file. It fails when the language needs a main name (MainPattern)
// and the source does not declare one.
func (l Language) Prepare(source []byte, others ...string) (Command, error) {
	main, err := l.Main(source)
	if err != nil {
		return Command{}, err
	}
	file := strings.ReplaceAll(l.SourceFile, "{main}", main)
	expand := func(argv []string) []string {
		if len(argv) == 0 {
			return nil
		}
		out := make([]string, 0, len(argv)+len(others))
		for _, a := range argv {
			if a == "{sources}" {
				out = append(append(out, file), others...)
				continue
			}
			a = strings.ReplaceAll(a, "{source}", file)
			out = append(out, strings.ReplaceAll(a, "{main}", main))
		}
		return out
	}
	return Command{SourceFile: file, Compile: expand(l.Compile), Run: expand(l.Run)}, nil
}

// IsSource reports whether name (a file name or path) has one of l's extensions.
func (l Language) IsSource(name string) bool {
	return slices.Contains(l.Extensions, normalizeExt(path.Ext(name)))
}

// Main returns the name {main} stands for in source.
func (l Language) Main(source []byte) (string, error) {
	if l.MainPattern == "" {
		base := path.Base(l.SourceFile)
		return strings.TrimSuffix(base, path.Ext(base)), nil
	}
	re := l.mainRE
	if re == nil {
		var err error
		if re, err = regexp.Compile(l.MainPattern); err != nil {
			return "", fmt.Errorf("language %s: main_pattern: %w", l.ID, err)
		}
	}
	m := re.FindSubmatch(source)
	if m == nil || len(m) < 2 || len(m[1]) == 0 {
		return "", fmt.Errorf("language %s: the source declares no main (want a match of %q)", l.ID, l.MainPattern)
	}
	main := string(m[1])
	// {main} becomes part of a file name under WorkDir: a table's pattern must not let a source
	// name a path.
	if strings.ContainsAny(main, "/\\\x00") || main == "." || main == ".." {
		return "", fmt.Errorf("language %s: main name %q is not a plain name", l.ID, main)
	}
	return main, nil
}

// Table is a validated, immutable set of languages.
type Table struct {
	langs []Language
	byID  map[string]int
}

// Get returns the language with id.
func (t *Table) Get(id string) (Language, bool) {
	i, ok := t.byID[id]
	if !ok {
		return Language{}, false
	}
	return t.langs[i], true
}

// ByExtension returns the languages that claim ext (".py" or "py", any case), in table order.
func (t *Table) ByExtension(ext string) []Language {
	ext = normalizeExt(ext)
	var out []Language
	for _, l := range t.langs {
		if slices.Contains(l.Extensions, ext) {
			out = append(out, l)
		}
	}
	return out
}

// Detect picks the language of a program of several files as problemtools does: the language
// with the most source files among names, the earlier in table order on a tie. ok is false when
// no file has an extension of the table.
func (t *Table) Detect(names []string) (l Language, ok bool) {
	best := 0
	for _, c := range t.langs {
		n := 0
		for _, name := range names {
			if c.IsSource(name) {
				n++
			}
		}
		if n > best {
			l, best = c, n
		}
	}
	return l, best > 0
}

// ForProgram is the language of a package program (validator, interactor) of the files names
// (paths relative to the program's directory): BuildRun in the "base" image when a top-level
// `build` or `run` script is present, else Detect.
func (t *Table) ForProgram(names []string) (Language, bool) {
	if slices.Contains(names, "build") || slices.Contains(names, "run") {
		return BuildRun("base"), true
	}
	return t.Detect(names)
}

// BuildRunID is the ID of BuildRun's language.
const BuildRunID = "build-run"

// BuildRun is the language of a package program (a validator) that brings its own `build` and
// `run` scripts, as the problem package format defines them: `build` (when present) runs in the
// program's directory and must leave an executable `run`, which is the program. Package
// archives keep no file modes, so the sandbox makes both executable. It runs in image, which must
// have a POSIX shell, python3, cc and c++ (the format's promise to such scripts).
func BuildRun(image string) Language {
	return Language{
		ID: BuildRunID, Name: "build/run scripts", Image: image, // no SourceFile: files keep their names
		Compile: []string{"/bin/sh", "-c", "if [ -f build ]; then ./build || exit; fi; " +
			"[ -f run ] || { echo 'the build script left no run file' >&2; exit 1; }; [ -x run ] || chmod +x run"},
		Run:           []string{"./run"},
		CompileLimits: defaultCompileLimits,
	}
}

// IDs returns the ids of every language in table order.
func (t *Table) IDs() []string {
	out := make([]string, len(t.langs))
	for i, l := range t.langs {
		out[i] = l.ID
	}
	return out
}

// WithVersions returns a copy of t where every language whose id has an entry in versions gets
// that version (the one recorded in its image at build time); the others keep theirs.
func (t *Table) WithVersions(versions map[string]string) *Table {
	c := &Table{langs: slices.Clone(t.langs), byID: t.byID}
	for i, l := range c.langs {
		if v, ok := versions[l.ID]; ok && v != "" {
			c.langs[i].Version = v
		}
	}
	return c
}

// All returns every language in table order.
func (t *Table) All() []Language { return slices.Clone(t.langs) }

// Images returns the distinct Image values of the table, in first-use order.
func (t *Table) Images() []string {
	var out []string
	for _, l := range t.langs {
		if !slices.Contains(out, l.Image) {
			out = append(out, l.Image)
		}
	}
	return out
}

func normalizeExt(ext string) string {
	ext = strings.ToLower(strings.TrimSpace(ext))
	if ext != "" && !strings.HasPrefix(ext, ".") {
		ext = "." + ext
	}
	return ext
}
