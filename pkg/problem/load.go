package problem

import (
	"fmt"
	"math"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Load reads and validates the package in directory dir.
func Load(dir string) (*Problem, error) {
	t, err := readDir(dir)
	if err != nil {
		return nil, err
	}
	return load(t)
}

// load turns a tree into a Problem, collecting every defect before giving up.
func load(t *tree) (*Problem, error) {
	var is issues
	p := &Problem{Type: PassFail, Format: FormatLegacy}
	rootSettings := DefaultSettings()
	if !t.exists("problem.yaml") {
		is.add("problem.yaml", "missing: every package needs one at its root")
	} else if data, err := t.read("problem.yaml"); err != nil {
		is.add("problem.yaml", "%v", err)
	} else {
		parseProblemYAML(p, data, &is)
	}
	if p.Type == Scoring && p.Format == Format202307 {
		rootSettings.IgnoreSample = true
	}

	customValidation := p.OutputValidator != nil // set by parseProblemYAML as a marker for legacy "custom"
	p.OutputValidator = nil
	loadValidators(t, p, customValidation, &is)
	p.Data = loadData(t, p, rootSettings, &is)
	loadSubmissions(t, p, &is)

	if len(is) > 0 {
		return nil, &Error{Issues: is}
	}
	return p, nil
}

var knownProblemKeys = []string{
	"problem_format_version", "type", "name", "uuid", "version", "author", "credits", "source",
	"source_url", "license", "rights_owner", "embargo_until", "limits", "validation",
	"validator_flags", "grading", "keywords", "languages", "allow_file_writing", "constants",
}

var knownLimitKeys = []string{
	"time_multiplier", "time_safety_margin", "time_multipliers", "time_limit", "time_resolution",
	"memory", "output", "code", "compilation_time", "compilation_memory", "validation_time",
	"validation_memory", "validation_output", "validation_passes",
}

func parseProblemYAML(p *Problem, data []byte, is *issues) {
	const file = "problem.yaml"
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		is.add(file, "not valid YAML: %v", err)
		return
	}
	for _, k := range sortedKeys(m) {
		if !slices.Contains(knownProblemKeys, k) {
			is.add(file, "unknown key %q (known: %s)", k, strings.Join(knownProblemKeys, ", "))
		}
	}
	switch v := fmt.Sprint(m["problem_format_version"]); v {
	case "<nil>", "legacy":
		p.Format = FormatLegacy
	case "2023-07", "2023-07-draft":
		p.Format = Format202307
	default:
		is.add(file, "problem_format_version %q is not supported (use legacy or 2023-07)", v)
	}

	switch n := m["name"].(type) {
	case nil:
	case string:
		p.Name = n
	case map[string]any:
		if en, ok := n["en"].(string); ok {
			p.Name = en
		} else if ks := sortedKeys(n); len(ks) > 0 {
			p.Name = fmt.Sprint(n[ks[0]])
		}
	default:
		is.add(file, "name must be a string or a map of language to string, not %T", n)
	}

	var types []string
	switch v := m["type"].(type) {
	case nil:
	case string:
		types = []string{v}
	case []any:
		for _, x := range v {
			types = append(types, fmt.Sprint(x))
		}
	default:
		is.add(file, "type must be a string or a list, not %T", v)
	}
	for _, ty := range types {
		switch ty {
		case "pass-fail":
			p.Type = PassFail
		case "scoring":
			p.Type = Scoring
		case "interactive":
			if p.Format == FormatLegacy {
				is.add(file, "type interactive is 2023-07; in legacy write validation: custom interactive")
			}
			p.Interactive = true
		case "multi-pass", "submit-answer":
			is.add(file, "type %s is not supported by this judge", ty)
		default:
			is.add(file, "unknown type %q (pass-fail, scoring or, in 2023-07, interactive)", ty)
		}
	}

	if v, ok := m["validation"]; ok {
		s, _ := v.(string)
		words := strings.Fields(s)
		switch {
		case len(words) == 0:
			is.add(file, "validation must be a string starting with default or custom")
		case words[0] == "default" && len(words) == 1:
		case words[0] == "custom":
			p.OutputValidator = &Program{} // marker: a custom validator is required
			for _, w := range words[1:] {
				switch w {
				case "interactive":
					p.Interactive = true
				case "score":
					if p.Type != Scoring {
						is.add(file, "validation %q: score is only valid for scoring problems", s)
					}
					p.ValidatorScores = true
				default:
					is.add(file, "validation %q: unknown word %q (custom may be followed by interactive and score)", s, w)
				}
			}
		default:
			is.add(file, "validation %q must be default, or custom [interactive] [score]", s)
		}
	}
	if v, ok := m["validator_flags"]; ok {
		flags, err := words(v)
		if err != nil {
			is.add(file, "validator_flags: %v", err)
		}
		p.ValidatorFlags = flags
	}
	if _, ok := m["grading"]; ok && p.Type != Scoring {
		is.add(file, "grading may only be used on scoring problems")
	}
	parseLimits(p, m["limits"], is)
}

func parseLimits(p *Problem, v any, is *issues) {
	const file = "problem.yaml"
	l := &p.Limits
	l.TimeResolution = time.Second
	if p.Format == Format202307 {
		l.TimeMultiplier, l.SafetyMargin = 2, 1.5
	} else {
		l.TimeMultiplier, l.SafetyMargin = 5, 2
	}
	if v == nil {
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		is.add(file, "limits must be a map, not %T", v)
		return
	}
	for _, k := range sortedKeys(m) {
		if !slices.Contains(knownLimitKeys, k) {
			is.add(file, "limits: unknown key %q (known: %s)", k, strings.Join(knownLimitKeys, ", "))
		}
	}
	num := func(key string, min float64) (float64, bool) {
		x, present := m[key]
		if !present {
			return 0, false
		}
		f, err := number(x)
		if err != nil || f < min || math.IsInf(f, 0) || math.IsNaN(f) {
			is.add(file, "limits.%s: %v is not a number ≥ %g", key, x, min)
			return 0, false
		}
		return f, true
	}
	seconds := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	mib := func(f float64) int64 { return int64(f * (1 << 20)) }
	if f, ok := num("time_multiplier", 1); ok {
		l.TimeMultiplier = f
	}
	if f, ok := num("time_safety_margin", 1); ok {
		l.SafetyMargin = f
	}
	if tm, present := m["time_multipliers"]; present {
		mm, ok := tm.(map[string]any)
		if !ok {
			is.add(file, "limits.time_multipliers must be a map with ac_to_time_limit and time_limit_to_tle")
		}
		for k, x := range mm {
			f, err := number(x)
			if err != nil || f < 1 {
				is.add(file, "limits.time_multipliers.%s: %v is not a number ≥ 1", k, x)
				continue
			}
			switch k {
			case "ac_to_time_limit":
				l.TimeMultiplier = f
			case "time_limit_to_tle":
				l.SafetyMargin = f
			default:
				is.add(file, "limits.time_multipliers: unknown key %q", k)
			}
		}
	}
	if f, ok := num("time_limit", 0.001); ok {
		l.TimeLimit = seconds(f)
	}
	if f, ok := num("time_resolution", 0.001); ok {
		l.TimeResolution = seconds(f)
	}
	if f, ok := num("memory", 1); ok {
		l.MemoryBytes = mib(f)
	}
	if f, ok := num("output", 0.001); ok {
		l.OutputBytes = mib(f)
	}
	if f, ok := num("validation_time", 0.001); ok {
		l.ValidationTime = seconds(f)
	}
	if f, ok := num("validation_memory", 1); ok {
		l.ValidationMemoryBytes = mib(f)
	}
	if f, ok := num("compilation_time", 0.001); ok {
		l.CompilationTime = seconds(f)
	}
	for _, k := range []string{"code", "compilation_memory", "validation_output", "validation_passes"} {
		num(k, 0) // checked, not used
	}
}

func loadValidators(t *tree, p *Problem, customRequired bool, is *issues) {
	dir := "output_validators"
	_, dirs := t.list("")
	if slices.Contains(dirs, "output_validator") {
		if slices.Contains(dirs, "output_validators") {
			is.add("output_validator/", "both output_validator/ and output_validators/ exist; keep one")
		}
		dir = "output_validator"
	}
	if slices.Contains(dirs, dir) {
		prog, err := loadProgram(t, dir, p.Format == Format202307 || dir == "output_validator")
		if err != nil {
			is.add(dir+"/", "%v", err)
		} else {
			p.OutputValidator = prog
		}
	}
	switch {
	case p.OutputValidator == nil && (customRequired || p.Interactive):
		is.add(dir+"/", "missing: problem.yaml asks for a custom validator (validation: custom or interactive)")
	case p.OutputValidator != nil && p.Format == FormatLegacy && !customRequired:
		is.add("problem.yaml", "%s/ exists but validation is not custom; set validation: custom (or remove the directory)", dir)
	}
	for _, d := range []string{"input_validators", "input_format_validators", "input_validator"} {
		if !slices.Contains(dirs, d) {
			continue
		}
		files, subdirs := t.list(d)
		for _, f := range files {
			data, err := t.read(d + "/" + f)
			if err != nil {
				is.add(d+"/"+f, "%v", err)
				continue
			}
			p.InputValidators = append(p.InputValidators, Program{Name: f, Files: map[string][]byte{f: data}})
		}
		for _, sd := range subdirs {
			files, err := t.subtree(d + "/" + sd)
			if err != nil {
				is.add(d+"/"+sd, "%v", err)
				continue
			}
			p.InputValidators = append(p.InputValidators, Program{Name: sd, Files: files})
		}
	}
}

// loadProgram reads a validator directory. In 2023-07 the directory is the program; in legacy
// each entry is one, and the judge supports exactly one: one subdirectory, or loose files that
// together make one program (a source and its headers).
func loadProgram(t *tree, dir string, wholeDir bool) (*Program, error) {
	files, subdirs := t.list(dir)
	switch {
	case wholeDir || len(subdirs) == 0:
		all, err := t.subtree(dir)
		if err != nil {
			return nil, err
		}
		if len(all) == 0 {
			return nil, fmt.Errorf("empty validator directory")
		}
		return &Program{Name: path.Base(dir), Files: all}, nil
	case len(subdirs) == 1 && len(files) == 0:
		all, err := t.subtree(dir + "/" + subdirs[0])
		if err != nil {
			return nil, err
		}
		return &Program{Name: subdirs[0], Files: all}, nil
	default:
		return nil, fmt.Errorf("holds %d directories and %d files; this judge supports exactly one output validator (one directory, or loose files of one program)", len(subdirs), len(files))
	}
}

func loadData(t *tree, p *Problem, rootSettings Settings, is *issues) *Group {
	_, dirs := t.list("")
	if !slices.Contains(dirs, "data") {
		is.add("data/", "missing: test data goes in data/sample and data/secret")
		return nil
	}
	root := &Group{Name: "", Settings: rootSettings}
	if t.exists("data/testdata.yaml") {
		root.Settings = parseTestdataYAML(t, p, "data/testdata.yaml", rootSettings, false, is)
	}
	_, sub := t.list("data")
	for _, name := range sub {
		if name != "sample" && name != "secret" && !(p.Format == Format202307 && strings.HasPrefix(name, "invalid_")) {
			is.add("data/"+name+"/", "unexpected directory: data/ holds only sample/ and secret/")
		}
	}
	for _, name := range []string{"sample", "secret"} {
		if !slices.Contains(sub, name) {
			continue
		}
		child := root.Settings
		child.IgnoreSample = false
		if p.Type == Scoring && p.Format == Format202307 && name == "secret" {
			child.OnReject, child.ScoreMode, child.AcceptIfAnyAccepted = "continue", "sum", true
		}
		g := loadGroup(t, p, name, child, is)
		root.Items = append(root.Items, Item{Group: g})
	}
	n := 0
	var count func(g *Group)
	count = func(g *Group) {
		for _, it := range g.Items {
			if it.Test != nil {
				n++
			} else {
				count(it.Group)
			}
		}
	}
	count(root)
	if n == 0 {
		is.add("data/", "no test cases: add pairs NAME.in and NAME.ans under data/sample or data/secret")
	}
	return root
}

// loadGroup reads data/<name>; inherited are the settings of the closest ancestor.
func loadGroup(t *tree, p *Problem, name string, inherited Settings, is *issues) *Group {
	dir := "data/" + name
	g := &Group{Name: name, Settings: inherited}
	g.Settings.Score = 0 // a group's maximum score is its own, never inherited
	if t.exists(dir + "/testdata.yaml") {
		g.Settings = parseTestdataYAML(t, p, dir+"/testdata.yaml", inherited, true, is)
	}
	files, subdirs := t.list(dir)
	type entry struct {
		base  string
		test  *Test
		group string
	}
	var entries []entry
	for _, f := range files {
		full := dir + "/" + f
		switch {
		case strings.HasSuffix(f, ".in"):
			base := strings.TrimSuffix(f, ".in")
			in, err := t.read(full)
			if err != nil {
				is.add(full, "%v", err)
				continue
			}
			ansPath := dir + "/" + base + ".ans"
			var ans []byte
			if t.exists(ansPath) {
				if ans, err = t.read(ansPath); err != nil {
					is.add(ansPath, "%v", err)
					continue
				}
			} else if !p.Interactive {
				is.add(full, "has no answer file %s.ans", base)
				continue
			}
			entries = append(entries, entry{base: base, test: &Test{Name: name + "/" + base, Input: in, Answer: ans, Sample: strings.HasPrefix(name, "sample")}})
		case strings.HasSuffix(f, ".ans"):
			if !t.exists(dir + "/" + strings.TrimSuffix(f, ".ans") + ".in") {
				is.add(full, "answer file without an input file %s.in", strings.TrimSuffix(f, ".ans"))
			}
		}
	}
	for _, d := range subdirs {
		entries = append(entries, entry{base: d, group: d})
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].base < entries[j].base })
	for _, e := range entries {
		if e.test != nil {
			g.Items = append(g.Items, Item{Test: e.test})
			continue
		}
		g.Items = append(g.Items, Item{Group: loadGroup(t, p, name+"/"+e.group, g.Settings, is)})
	}
	return g
}

var knownTestdataKeys = []string{
	"on_reject", "grading", "grader_flags", "input_validator_flags", "output_validator_flags",
	"accept_score", "reject_score", "range", "scoring", "input_validator_args",
	"output_validator_args", "static_validation", "full_feedback", "hint", "description",
}

func parseTestdataYAML(t *tree, p *Problem, file string, base Settings, group bool, is *issues) Settings {
	s := base
	s.Score = 0
	data, err := t.read(file)
	if err != nil {
		is.add(file, "%v", err)
		return s
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		is.add(file, "not valid YAML: %v", err)
		return s
	}
	for _, k := range sortedKeys(m) {
		if !slices.Contains(knownTestdataKeys, k) {
			is.add(file, "unknown key %q (known: %s)", k, strings.Join(knownTestdataKeys, ", "))
		}
	}
	if v, ok := m["on_reject"]; ok {
		switch v {
		case "break", "continue":
			s.OnReject = v.(string)
		default:
			is.add(file, "on_reject %v must be break or continue", v)
		}
	}
	if v, ok := m["grading"]; ok && v != "default" {
		is.add(file, "grading %v: only the default grader is supported", v)
	}
	if v, ok := m["grader_flags"]; ok {
		flags, err := words(v)
		if err != nil {
			is.add(file, "grader_flags: %v", err)
		}
		s.IgnoreSample = false
		for _, f := range flags {
			switch f {
			case "worst_error", "first_error", "always_accept":
				s.VerdictMode = f
			case "sum", "avg", "min", "max":
				s.ScoreMode = f
			case "ignore_sample":
				if group {
					is.add(file, "grader flag ignore_sample may only be used in data/testdata.yaml")
				}
				s.IgnoreSample = true
			case "accept_if_any_accepted":
				s.AcceptIfAnyAccepted = true
			default:
				is.add(file, "unknown grader flag %q", f)
			}
		}
	}
	for _, k := range []string{"accept_score", "reject_score"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		if p.Type != Scoring {
			is.add(file, "%s may only be used on scoring problems", k)
		}
		f, err := number(v)
		if err != nil {
			is.add(file, "%s: %v", k, err)
			continue
		}
		if k == "accept_score" {
			s.AcceptScore = f
		} else {
			s.RejectScore = f
		}
	}
	for _, k := range []string{"output_validator_flags", "output_validator_args"} {
		if v, ok := m[k]; ok {
			if _, isMap := v.(map[string]any); isMap {
				is.add(file, "%s as a map (per validator) is not supported: this judge has one output validator", k)
				continue
			}
			flags, err := words(v)
			if err != nil {
				is.add(file, "%s: %v", k, err)
			}
			s.ValidatorFlags = flags
		}
	}
	if v, ok := m["scoring"]; ok {
		sm, isMap := v.(map[string]any)
		if !isMap {
			is.add(file, "scoring must be a map with score and aggregation")
		}
		if p.Type != Scoring {
			is.add(file, "scoring may only be used on scoring problems")
		}
		for k, x := range sm {
			switch k {
			case "score":
				f, err := number(x)
				if err != nil || f < 0 {
					is.add(file, "scoring.score %v must be a non-negative number", x)
					continue
				}
				s.Score = f
			case "aggregation":
				switch x {
				case "min":
					s.ScoreMode, s.OnReject, s.AcceptIfAnyAccepted = "min", "break", false
				case "sum":
					s.ScoreMode, s.OnReject, s.AcceptIfAnyAccepted = "sum", "continue", true
				default:
					is.add(file, "scoring.aggregation %v must be sum or min", x)
				}
			default:
				is.add(file, "scoring: unknown key %q", k)
			}
		}
	}
	return s
}

var expectedRe = regexp.MustCompile(`@EXPECTED_RESULTS@\s*:\s*([A-Za-z_,\- \t]+)`)

// Verdict folders of submissions/ and the verdicts each expects.
var submissionDirs = map[string][]string{
	"accepted":              {"AC"},
	"partially_accepted":    {"PA"},
	"wrong_answer":          {"WA"},
	"time_limit_exceeded":   {"TLE"},
	"run_time_error":        {"RE"},
	"memory_limit_exceeded": {"MLE"},
	"output_limit_exceeded": {"OLE"},
	"compile_error":         {"CE"},
}

var verdictNames = map[string]string{
	"AC": "AC", "CORRECT": "AC", "ACCEPTED": "AC",
	"WA": "WA", "WRONG-ANSWER": "WA", "WRONG_ANSWER": "WA", "NO-OUTPUT": "WA",
	"TLE": "TLE", "TIMELIMIT": "TLE", "TIME_LIMIT_EXCEEDED": "TLE",
	"RE": "RE", "RTE": "RE", "RUN-ERROR": "RE", "RUN_TIME_ERROR": "RE",
	"CE": "CE", "COMPILER-ERROR": "CE", "COMPILE_ERROR": "CE",
	"OLE": "OLE", "OUTPUT-LIMIT": "OLE", "OUTPUT_LIMIT_EXCEEDED": "OLE",
	"MLE": "MLE", "MEMORY-LIMIT": "MLE", "MEMORY_LIMIT_EXCEEDED": "MLE",
	"PA": "PA", "PARTIALLY_ACCEPTED": "PA",
}

// ParseExpectedResults reads a DOMjudge-style `@EXPECTED_RESULTS@: A, B` comment; ok is false
// when there is none.
func ParseExpectedResults(source []byte) (verdicts []string, ok bool, err error) {
	m := expectedRe.FindSubmatch(source)
	if m == nil {
		return nil, false, nil
	}
	for _, w := range strings.FieldsFunc(string(m[1]), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		v, known := verdictNames[strings.ToUpper(w)]
		if !known {
			return nil, true, fmt.Errorf("@EXPECTED_RESULTS@: unknown verdict %q", w)
		}
		if !slices.Contains(verdicts, v) {
			verdicts = append(verdicts, v)
		}
	}
	if len(verdicts) == 0 {
		return nil, true, fmt.Errorf("@EXPECTED_RESULTS@ lists no verdict")
	}
	return verdicts, true, nil
}

func loadSubmissions(t *tree, p *Problem, is *issues) {
	_, dirs := t.list("submissions")
	for _, d := range dirs {
		expected, known := submissionDirs[d]
		if !known {
			is.add("submissions/"+d+"/", "unknown verdict folder (known: accepted, partially_accepted, wrong_answer, time_limit_exceeded, run_time_error, memory_limit_exceeded, output_limit_exceeded, compile_error)")
			continue
		}
		if d == "partially_accepted" && p.Type != Scoring {
			is.add("submissions/"+d+"/", "partially_accepted is only for scoring problems")
		}
		files, subdirs := t.list("submissions/" + d)
		add := func(name string, fs map[string][]byte) {
			s := Submission{Path: d + "/" + name, Dir: d, Files: fs, Expected: expected}
			for _, fname := range sortedKeys(fs) {
				v, found, err := ParseExpectedResults(fs[fname])
				if err != nil {
					is.add("submissions/"+s.Path, "%v", err)
				}
				if found && err == nil {
					s.Expected = v
					break
				}
			}
			p.Submissions = append(p.Submissions, s)
		}
		for _, f := range files {
			data, err := t.read("submissions/" + d + "/" + f)
			if err != nil {
				is.add("submissions/"+d+"/"+f, "%v", err)
				continue
			}
			add(f, map[string][]byte{f: data})
		}
		for _, sd := range subdirs {
			fs, err := t.subtree("submissions/" + d + "/" + sd)
			if err != nil {
				is.add("submissions/"+d+"/"+sd, "%v", err)
				continue
			}
			add(sd, fs)
		}
	}
	sort.SliceStable(p.Submissions, func(i, j int) bool { return p.Submissions[i].Path < p.Submissions[j].Path })
}

// words reads a flags value: a space-separated string or a list of strings.
func words(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return strings.Fields(x), nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			switch e.(type) {
			case string, int, float64:
				out = append(out, fmt.Sprint(e))
			default:
				return nil, fmt.Errorf("list entries must be strings, got %T", e)
			}
		}
		return out, nil
	default:
		return nil, fmt.Errorf("must be a string or a list of strings, not %T", v)
	}
}

func number(v any) (float64, error) {
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", x)
		}
		return f, nil
	default:
		return 0, fmt.Errorf("%v is not a number", v)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
