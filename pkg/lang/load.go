package lang

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/judge-dev/judge/pkg/run"
)

//go:embed languages.yaml
var builtin []byte

// Builtin returns the embedded default table file, e.g. as a starting point for an override.
func Builtin() []byte { return bytes.Clone(builtin) }

// Load reads the table from path; an empty path means the embedded default.
func Load(path string) (*Table, error) {
	if path == "" {
		return Parse("built-in languages.yaml", builtin)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read language table: %w", err)
	}
	return Parse(path, b)
}

// DefaultCompileLimits apply to every field a language's compile_limits leaves out.
var defaultCompileLimits = run.Limits{
	CPUTime:     10 * time.Second,
	WallTime:    30 * time.Second,
	MemoryBytes: 512 << 20,
	OutputBytes: 1 << 20,
	Processes:   64,
}

// DefaultCompileLimits returns the compile limits used where a language sets none.
func DefaultCompileLimits() run.Limits { return defaultCompileLimits }

type fileYAML struct {
	Languages []langYAML `yaml:"languages"`
}

type langYAML struct {
	ID            string     `yaml:"id"`
	Name          string     `yaml:"name"`
	Version       string     `yaml:"version"`
	VersionCmd    []string   `yaml:"version_command"`
	Extensions    []string   `yaml:"extensions"`
	Image         string     `yaml:"image"`
	SourceFile    string     `yaml:"source_file"`
	MainPattern   string     `yaml:"main_pattern"`
	Compile       []string   `yaml:"compile"`
	Run           []string   `yaml:"run"`
	Env           []string   `yaml:"env"`
	CompileLimits limitsYAML `yaml:"compile_limits"`
}

type limitsYAML struct {
	Time      string `yaml:"time"`      // CPU time, e.g. "10s"
	WallTime  string `yaml:"wall_time"` // e.g. "30s"
	Memory    string `yaml:"memory"`    // e.g. "512MiB"
	Output    string `yaml:"output"`    // e.g. "1MiB"
	Processes int    `yaml:"processes"`
}

var (
	idRE          = regexp.MustCompile(`^[a-z0-9][a-z0-9_+.-]*$`)
	placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)
	envKeyRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Parse decodes and validates a table; name is used in error messages. Every problem found is
// reported, each naming the language and the field.
func Parse(name string, data []byte) (*Table, error) {
	var f fileYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file, want a top-level `languages:` list", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(f.Languages) == 0 {
		return nil, fmt.Errorf("%s: no languages, want a top-level `languages:` list", name)
	}
	t := &Table{byID: map[string]int{}}
	var errs []error
	for i, ly := range f.Languages {
		where := fmt.Sprintf("%s: language %d (%s)", name, i+1, ly.ID)
		l, lerrs := ly.build()
		for _, e := range lerrs {
			errs = append(errs, fmt.Errorf("%s: %w", where, e))
		}
		if j, dup := t.byID[l.ID]; dup && l.ID != "" {
			errs = append(errs, fmt.Errorf("%s: id %q is already used by language %d", where, l.ID, j+1))
			continue
		}
		t.byID[l.ID] = len(t.langs)
		t.langs = append(t.langs, l)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

func (ly langYAML) build() (Language, []error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	l := Language{
		ID: ly.ID, Name: ly.Name, Version: ly.Version, Image: ly.Image, SourceFile: ly.SourceFile,
		MainPattern: ly.MainPattern, Compile: ly.Compile, Run: ly.Run, Env: ly.Env,
		VersionCommand: ly.VersionCmd,
	}
	if !idRE.MatchString(l.ID) {
		bad("id %q: want lower-case letters, digits and _+.- (e.g. \"cpp\")", l.ID)
	}
	if l.Name == "" {
		l.Name = l.ID
	}
	if l.Image == "" {
		bad("image: must not be empty; name a recipe (\"base\", \"jvm\", ...) or an image reference")
	}
	if len(ly.Extensions) == 0 {
		bad("extensions: want at least one, e.g. [.c]")
	}
	for _, e := range ly.Extensions {
		n := normalizeExt(e)
		if n == "" || n == "." || strings.ContainsAny(n, "/ \t") {
			bad("extensions: %q is not a file extension", e)
			continue
		}
		if slices.Contains(l.Extensions, n) {
			bad("extensions: %q is listed twice", e)
			continue
		}
		l.Extensions = append(l.Extensions, n)
	}
	switch {
	case l.SourceFile == "":
		bad("source_file: must not be empty, e.g. main.c")
	case strings.Contains(l.SourceFile, "/") || l.SourceFile == "." || l.SourceFile == "..":
		bad("source_file: %q must be a plain file name (it is placed in %s)", l.SourceFile, WorkDir)
	}
	if l.MainPattern != "" {
		re, err := regexp.Compile(l.MainPattern)
		switch {
		case err != nil:
			bad("main_pattern: %v", err)
		case re.NumSubexp() < 1:
			bad("main_pattern: %q has no group; the first group must capture the main name", l.MainPattern)
		default:
			l.mainRE = re
		}
	}
	if len(l.Run) == 0 {
		bad("run: must not be empty, e.g. [./main]")
	}
	for _, f := range []struct {
		name string
		argv []string
	}{{"source_file", []string{l.SourceFile}}, {"compile", l.Compile}, {"run", l.Run}} {
		for _, a := range f.argv {
			for _, p := range placeholderRE.FindAllString(a, -1) {
				if p != "{source}" && p != "{main}" && (p != "{sources}" || a != p) {
					bad("%s: unknown placeholder %s in %q; known: {source}, {main}, and {sources} as a whole entry", f.name, p, a)
				}
			}
		}
	}
	if len(l.VersionCommand) > 0 && l.VersionCommand[0] == "" {
		bad("version_command: the program (first element) must not be empty")
	}
	if len(l.Compile) > 0 && l.Compile[0] == "" || len(l.Run) > 0 && l.Run[0] == "" {
		bad("compile/run: the program (first element) must not be empty")
	}
	for _, kv := range l.Env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || !envKeyRE.MatchString(k) {
			bad("env: %q is not KEY=VALUE", kv)
		}
	}
	lim, lerrs := ly.CompileLimits.limits(defaultCompileLimits)
	errs = append(errs, lerrs...)
	l.CompileLimits = lim
	return l, errs
}

func (y limitsYAML) limits(def run.Limits) (run.Limits, []error) {
	l := def
	var errs []error
	dur := func(field, s string, dst *time.Duration) {
		if s == "" {
			return
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("compile_limits.%s: %q, want a positive duration like 10s", field, s))
			return
		}
		*dst = d
	}
	size := func(field, s string, dst *int64) {
		if s == "" {
			return
		}
		n, err := ParseSize(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("compile_limits.%s: %w", field, err))
			return
		}
		*dst = n
	}
	dur("time", y.Time, &l.CPUTime)
	dur("wall_time", y.WallTime, &l.WallTime)
	size("memory", y.Memory, &l.MemoryBytes)
	size("output", y.Output, &l.OutputBytes)
	switch {
	case y.Processes < 0:
		errs = append(errs, fmt.Errorf("compile_limits.processes: %d, want a positive count", y.Processes))
	case y.Processes > 0:
		l.Processes = y.Processes
	}
	if y.Time != "" && y.WallTime == "" && l.WallTime < 3*l.CPUTime {
		l.WallTime = 3 * l.CPUTime
	}
	return l, errs
}

// ParseSize reads a byte count: a plain number or one with a unit (KiB, MiB, GiB; KB, MB, GB;
// K, M, G mean the binary units).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
		{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
	}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q, want a positive size like 512MiB", s)
	}
	return n * mult, nil
}
