package api

import (
	"slices"
	"strings"

	"github.com/judge-dev/judge/pkg/lang"
)

// judge0Lang ties a language of the table to the ids Judge0 CE 1.13.1 gives that language.
type judge0Lang struct {
	// id is the Judge0 id of the version nearest to the judge's runtime; answers use it.
	id int
	// family is Judge0's name of the language without the version ("C++").
	family string
	// others are Judge0's ids of other versions or compilers of the same language; they run on
	// the same runtime.
	others []int
	// strip is a version prefix Judge0 leaves out of its names ("CPython 3.11" → "3.11").
	strip []string
}

// judge0Langs maps language-table ids to Judge0 CE 1.13.1's ids. Judge0's Python 2 (70) is not
// an older Python 3 and is not mapped; languages Judge0 CE does not have (Ada, Scheme, Racket,
// CoffeeScript, PyPy, Tcl, AWK) have no Judge0 id; docs/api.md lists the table.
var judge0Langs = map[string]judge0Lang{
	"c":          {id: 50, family: "C", others: []int{48, 49, 75}},
	"cpp":        {id: 54, family: "C++", others: []int{52, 53, 76}},
	"python3":    {id: 71, family: "Python", strip: []string{"CPython", "Python"}},
	"java":       {id: 62, family: "Java"},
	"kotlin":     {id: 78, family: "Kotlin", strip: []string{"Kotlin"}},
	"go":         {id: 60, family: "Go", strip: []string{"Go"}},
	"rust":       {id: 73, family: "Rust", strip: []string{"rustc"}},
	"javascript": {id: 63, family: "JavaScript"},
	"ruby":       {id: 72, family: "Ruby", strip: []string{"Ruby"}},
	"php":        {id: 68, family: "PHP", strip: []string{"PHP"}},
	"csharp":     {id: 51, family: "C#"},
	"haskell":    {id: 61, family: "Haskell"},
	"ocaml":      {id: 65, family: "OCaml", strip: []string{"OCaml"}},
	"scala":      {id: 81, family: "Scala", strip: []string{"Scala"}},
	"commonlisp": {id: 55, family: "Common Lisp"},
	"prolog":     {id: 69, family: "Prolog"},
	"assembly":   {id: 45, family: "Assembly"},
	"bash":       {id: 46, family: "Bash", strip: []string{"Bash"}},
	"d":          {id: 56, family: "D"},
	"elixir":     {id: 57, family: "Elixir", strip: []string{"Elixir"}},
	"erlang":     {id: 58, family: "Erlang", strip: []string{"Erlang/OTP"}},
	"fortran":    {id: 59, family: "Fortran"},
	"lua":        {id: 64, family: "Lua", strip: []string{"Lua"}},
	"octave":     {id: 66, family: "Octave", strip: []string{"GNU Octave"}},
	"pascal":     {id: 67, family: "Pascal"},
	"typescript": {id: 74, family: "TypeScript", strip: []string{"TypeScript"}},
	"cobol":      {id: 77, family: "COBOL"},
	"objectivec": {id: 79, family: "Objective-C"},
	"r":          {id: 80, family: "R", strip: []string{"R"}},
	"sql":        {id: 82, family: "SQL"},
	"perl":       {id: 85, family: "Perl", strip: []string{"Perl"}},
	"clojure":    {id: 86, family: "Clojure", strip: []string{"Clojure"}},
	"groovy":     {id: 88, family: "Groovy", strip: []string{"Groovy"}},
}

// judge0Language is one entry of the Judge0 language list: an id and the runtime it runs on.
type judge0Language struct {
	ID   int
	Name string
	Lang lang.Language
}

// judge0Languages lists every Judge0 id the judge accepts, by id. The version in a name is the
// table's `version`: the one the workers read from the runtime image (see languageView).
func judge0Languages(t *lang.Table) []judge0Language {
	var out []judge0Language
	for _, l := range t.All() {
		j, ok := judge0Langs[l.ID]
		if !ok {
			continue
		}
		name := judge0Name(j, l.Version)
		out = append(out, judge0Language{ID: j.id, Name: name, Lang: l})
		for _, id := range j.others {
			out = append(out, judge0Language{ID: id, Name: name, Lang: l})
		}
	}
	slices.SortFunc(out, func(a, b judge0Language) int { return a.ID - b.ID })
	return out
}

func judge0Name(j judge0Lang, version string) string {
	v := strings.TrimSpace(version)
	for _, p := range j.strip {
		if rest, ok := strings.CutPrefix(v, p+" "); ok {
			v = rest
			break
		}
	}
	if v == "" {
		return j.family
	}
	return j.family + " (" + v + ")"
}

// judge0LanguageByID resolves a Judge0 id to the language that runs it, in a list of
// judge0Languages.
func judge0LanguageByID(langs []judge0Language, id int) (judge0Language, bool) {
	for _, l := range langs {
		if l.ID == id {
			return l, true
		}
	}
	return judge0Language{}, false
}

// judge0PrimaryID is the Judge0 id answers use for a language-table id (0: none).
func judge0PrimaryID(langID string) int { return judge0Langs[langID].id }
