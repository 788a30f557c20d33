package problem

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/judge-dev/judge/pkg/judge/verdict"
)

var expectedRe = regexp.MustCompile(`@EXPECTED_RESULTS@\s*:\s*([A-Za-z_,\- \t]+)`)

// Verdict folders of submissions/ every format knows, and the final verdicts each expects.
// problemtools checks accepted, partially_accepted, wrong_answer, run_time_error and
// time_limit_exceeded; the last three folders are this judge's (and DOMjudge's) additions.
var submissionDirs = map[string][]verdict.Verdict{
	"accepted":              {verdict.AC},
	"partially_accepted":    {verdict.PA},
	"wrong_answer":          {verdict.WA},
	"time_limit_exceeded":   {verdict.TLE},
	"run_time_error":        {verdict.RE},
	"memory_limit_exceeded": {verdict.MLE},
	"output_limit_exceeded": {verdict.OLE},
	"compile_error":         {verdict.CE},
}

// Rules of the 2023-07 default folders (the specification's "default directories"); rejected
// and brute_force have no single final verdict.
var defaultRules = map[string]Rule{
	"accepted":            {Permitted: []verdict.Verdict{verdict.AC}},
	"wrong_answer":        {Permitted: []verdict.Verdict{verdict.AC, verdict.WA}, Required: []verdict.Verdict{verdict.WA}},
	"time_limit_exceeded": {Permitted: []verdict.Verdict{verdict.AC, verdict.TLE}, Required: []verdict.Verdict{verdict.TLE}},
	"run_time_error":      {Permitted: []verdict.Verdict{verdict.AC, verdict.RE}, Required: []verdict.Verdict{verdict.RE}},
	"rejected":            {Required: []verdict.Verdict{verdict.RE, verdict.TLE, verdict.WA}},
	"brute_force":         {Permitted: []verdict.Verdict{verdict.AC, verdict.RE, verdict.TLE}, Required: []verdict.Verdict{verdict.RE, verdict.TLE}},
}

// abbreviations of expectations.yaml.
var abbreviations = map[string]Rule{
	"accepted":            defaultRules["accepted"],
	"wrong answer":        defaultRules["wrong_answer"],
	"time limit exceeded": defaultRules["time_limit_exceeded"],
	"runtime exception":   defaultRules["run_time_error"],
	"does not terminate":  defaultRules["brute_force"],
	"not accepted":        {Required: []verdict.Verdict{verdict.RE, verdict.TLE, verdict.WA}},
	"rejected":            {Required: []verdict.Verdict{verdict.RE, verdict.WA}},
}

var verdictNames = map[string]verdict.Verdict{
	"AC": verdict.AC, "CORRECT": verdict.AC, "ACCEPTED": verdict.AC,
	"WA": verdict.WA, "WRONG-ANSWER": verdict.WA, "WRONG_ANSWER": verdict.WA, "NO-OUTPUT": verdict.WA,
	"TLE": verdict.TLE, "TIMELIMIT": verdict.TLE, "TIME_LIMIT_EXCEEDED": verdict.TLE,
	"RE": verdict.RE, "RTE": verdict.RE, "RUN-ERROR": verdict.RE, "RUN_TIME_ERROR": verdict.RE,
	"CE": verdict.CE, "COMPILER-ERROR": verdict.CE, "COMPILE_ERROR": verdict.CE,
	"OLE": verdict.OLE, "OUTPUT-LIMIT": verdict.OLE, "OUTPUT_LIMIT_EXCEEDED": verdict.OLE,
	"MLE": verdict.MLE, "MEMORY-LIMIT": verdict.MLE, "MEMORY_LIMIT_EXCEEDED": verdict.MLE,
	"PA": verdict.PA, "PARTIALLY_ACCEPTED": verdict.PA,
}

// Rule is one 2023-07 expectation on the verdicts of a submission's tests: every test matching
// Tests gets a verdict of Permitted, and, when Required is not empty, some matching test gets
// one of Required. RTE is verdict.RE.
type Rule struct {
	// Tests is a pattern of test groups or cases relative to data/ ("secret/group1",
	// "secret/*-small"); a test matches when it or one of its groups does. Empty: every test.
	Tests     string
	Permitted []verdict.Verdict
	Required  []verdict.Verdict
}

func (r Rule) String() string {
	var parts []string
	if r.Tests != "" {
		parts = append(parts, r.Tests+":")
	}
	if r.Permitted != nil {
		parts = append(parts, "permitted "+verdict.Join(r.Permitted, ","))
	}
	if len(r.Required) > 0 {
		parts = append(parts, "required "+verdict.Join(r.Required, ","))
	}
	return strings.Join(parts, " ")
}

// AcceptedOnly says whether s must be accepted on every test: such submissions bound a computed
// time limit from below, as the accepted folder does (verify and the server's calibration run
// exactly these).
func (s Submission) AcceptedOnly() bool {
	if len(s.Expected) > 0 {
		return slices.Equal(s.Expected, []verdict.Verdict{verdict.AC})
	}
	return slices.ContainsFunc(s.Rules, func(r Rule) bool {
		return r.Tests == "" && slices.Equal(r.Permitted, []verdict.Verdict{verdict.AC})
	})
}

// TestVerdict is the verdict one judged test got; Name is relative to data/ ("secret/g1/03").
type TestVerdict struct {
	Name    string
	Verdict verdict.Verdict
}

// Comparable maps a verdict to what a package of format can expect. The legacy format (and
// problemtools, which checks it) has no memory limit verdict: exceeding problemtools' memory
// rlimit makes an allocation fail and the program crash, so MLE counts as RE. Output over the
// limit stays OLE: problemtools reports OLE too, and no legacy folder expects it. 2023-07 test
// verdicts are AC, WA, TLE and RTE, so both are RE there.
func Comparable(format string, v verdict.Verdict) verdict.Verdict {
	switch {
	case v == verdict.MLE:
		return verdict.RE
	case v == verdict.OLE && format == Format202307:
		return verdict.RE
	}
	return v
}

// Check says whether a submission that got the final verdict got, with the judged tests'
// verdicts, meets what its package expects (in format); why names the unmet expectation. A
// compile error meets only an expected CE.
func (s Submission) Check(format string, got verdict.Verdict, tests []TestVerdict) (ok bool, why string) {
	switch {
	case got == verdict.CE || got == verdict.IE || got == "":
		if got == verdict.CE && slices.Contains(s.Expected, verdict.CE) {
			return true, ""
		}
		return false, fmt.Sprintf("got %s", orNone(got))
	case len(s.Rules) == 0:
		g := Comparable(format, got)
		for _, e := range s.Expected {
			if Comparable(format, e) == g {
				return true, ""
			}
		}
		return false, fmt.Sprintf("got %s, expected %s", got, verdict.Join(s.Expected, " or "))
	}
	for _, r := range s.Rules {
		var seen []verdict.Verdict
		for _, t := range tests {
			if !matchesTest(r.Tests, t.Name) {
				continue
			}
			v := Comparable(format, t.Verdict)
			if r.Permitted != nil && !slices.Contains(r.Permitted, v) {
				return false, fmt.Sprintf("test %s got %s (%s)", t.Name, t.Verdict, r)
			}
			seen = append(seen, v)
		}
		if len(r.Required) > 0 && !slices.ContainsFunc(seen, func(v verdict.Verdict) bool { return slices.Contains(r.Required, v) }) {
			return false, fmt.Sprintf("no test got %s (%s)", verdict.Join(r.Required, " or "), r)
		}
	}
	return true, ""
}

func orNone(v verdict.Verdict) string {
	if v == "" {
		return "no verdict"
	}
	return string(v)
}

// matchesTest says whether test (relative to data/) or one of its groups matches pattern.
func matchesTest(pattern, test string) bool {
	if pattern == "" {
		return true
	}
	for p := test; p != "." && p != ""; p = path.Dir(p) {
		if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(p)); ok {
			return true
		}
	}
	return false
}

// ParseExpectedResults reads a DOMjudge-style `@EXPECTED_RESULTS@: A, B` comment; ok is false
// when there is none.
func ParseExpectedResults(source []byte) (verdicts []verdict.Verdict, ok bool, err error) {
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

// expectation is one entry of expectations.yaml: the submissions pattern and its rules.
type expectation struct {
	pattern string
	rules   []Rule
}

// expectationFiles are read from submissions/ in 2023-07 packages: expectations.yaml (the
// draft's expectations framework) or submissions.yaml (its later name), same keys.
var expectationFiles = []string{"expectations.yaml", "submissions.yaml"}

func loadExpectations(t *tree, p *Problem, is *issues) []expectation {
	var out []expectation
	for _, name := range expectationFiles {
		file := "submissions/" + name
		if !t.exists(file) {
			continue
		}
		if p.Format == FormatLegacy {
			p.Warnings = append(p.Warnings, Issue{Path: file, Msg: "expectations are a 2023-07 feature; ignored in a legacy package"})
			continue
		}
		data, err := t.read(file)
		if err != nil {
			is.add(file, "%v", err)
			continue
		}
		var m yaml.Node
		if err := yaml.Unmarshal(data, &m); err != nil {
			is.add(file, "not valid YAML: %v", err)
			continue
		}
		if len(m.Content) == 0 {
			continue
		}
		root := m.Content[0]
		if root.Kind != yaml.MappingNode {
			is.add(file, "must map submission patterns to expectations")
			continue
		}
		for i := 0; i+1 < len(root.Content); i += 2 {
			pat := root.Content[i].Value
			if _, err := path.Match(pat, ""); err != nil || pat == "" {
				is.add(file, "line %d: %q is not a submission pattern", root.Content[i].Line, pat)
				continue
			}
			rules, err := parseExpectation(root.Content[i+1], "")
			if err != nil {
				is.add(file, "line %d: %s: %v", root.Content[i].Line, pat, err)
				continue
			}
			out = append(out, expectation{pattern: pat, rules: rules})
		}
	}
	return out
}

// parseExpectation reads an abbreviation or a map of permitted/required and test patterns.
func parseExpectation(n *yaml.Node, tests string) ([]Rule, error) {
	if n.Kind == yaml.ScalarNode {
		r, ok := abbreviations[strings.ToLower(n.Value)]
		if !ok {
			return nil, fmt.Errorf("unknown expectation %q (accepted, wrong answer, time limit exceeded, runtime exception, does not terminate, not accepted, rejected)", n.Value)
		}
		r.Tests = tests
		return []Rule{r}, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("an expectation is an abbreviation or a map")
	}
	own := Rule{Tests: tests}
	var rules []Rule
	hasOwn := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch {
		case k == "permitted" || k == "required":
			vs, err := verdictList(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if k == "permitted" {
				own.Permitted = vs
			} else {
				own.Required = vs
			}
			hasOwn = true
		case k == "authors" || k == "model_solution":
			// information only
		case k == "language" || k == "entrypoint" || k == "score" || k == "message" || k == "use_for_time_limit":
			return nil, fmt.Errorf("key %s is not supported by this judge", k)
		case tests == "" && (k == "sample" || k == "secret" || strings.HasPrefix(k, "sample/") || strings.HasPrefix(k, "secret/") || strings.HasPrefix(k, "*")):
			sub, err := parseExpectation(v, k)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			rules = append(rules, sub...)
		default:
			return nil, fmt.Errorf("unknown key %q (permitted, required, or a test group pattern under sample/ or secret/)", k)
		}
	}
	if hasOwn {
		rules = append([]Rule{own}, rules...)
	}
	return rules, nil
}

func verdictList(n *yaml.Node) ([]verdict.Verdict, error) {
	var raw []string
	switch n.Kind {
	case yaml.ScalarNode:
		raw = []string{n.Value}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			raw = append(raw, c.Value)
		}
	default:
		return nil, fmt.Errorf("want a list of verdicts (AC, WA, TLE, RTE)")
	}
	out := []verdict.Verdict{}
	for _, w := range raw {
		switch v := verdictNames[strings.ToUpper(w)]; v {
		case verdict.AC, verdict.WA, verdict.TLE, verdict.RE:
			out = append(out, v)
		default:
			return nil, fmt.Errorf("verdict %q: test verdicts are AC, WA, TLE and RTE", w)
		}
	}
	return out, nil
}

// matchesSubmission says whether submission path (relative to submissions/) or one of its
// folders matches pattern.
func matchesSubmission(pattern, sub string) bool {
	for p := sub; p != "." && p != ""; p = path.Dir(p) {
		if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(p)); ok {
			return true
		}
	}
	return false
}

func loadSubmissions(t *tree, p *Problem, is *issues) {
	exps := loadExpectations(t, p, is)
	_, dirs := t.list("submissions")
	for _, d := range dirs {
		expected := submissionDirs[d]
		def, hasDefault := defaultRules[d]
		hasDefault = hasDefault && p.Format == Format202307
		if d == "partially_accepted" && p.Type != Scoring {
			is.add("submissions/"+d+"/", "partially_accepted is only for scoring problems")
		}
		skipped := 0
		add := func(name string, fs map[string][]byte) {
			s := Submission{Path: d + "/" + name, Dir: d, Files: fs, Expected: expected}
			if hasDefault {
				s.Rules = []Rule{def}
			}
			for _, fname := range sortedKeys(fs) {
				v, found, err := ParseExpectedResults(fs[fname])
				if err != nil {
					is.add("submissions/"+s.Path, "%v", err)
				}
				if found && err == nil {
					s.Expected, s.Rules = v, nil
					break
				}
			}
			for _, e := range exps {
				if !matchesSubmission(e.pattern, s.Path) {
					continue
				}
				if strings.EqualFold(e.pattern, d) { // names the folder: replaces its defaults
					s.Expected, s.Rules = nil, nil
				}
				s.Rules = append(s.Rules, e.rules...)
			}
			if len(s.Expected) == 0 && len(s.Rules) == 0 {
				skipped++ // problemtools ignores folders it does not check
				return
			}
			p.Submissions = append(p.Submissions, s)
		}
		files, subdirs := t.list("submissions/" + d)
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
		if skipped > 0 {
			p.Warnings = append(p.Warnings, Issue{Path: "submissions/" + d + "/", Msg: fmt.Sprintf("%d submission(s) skipped: not a verdict folder this judge checks (accepted, partially_accepted, wrong_answer, time_limit_exceeded, run_time_error, memory_limit_exceeded, output_limit_exceeded, compile_error; in 2023-07 also rejected, brute_force and what expectations.yaml names)", skipped)})
		}
	}
	sort.SliceStable(p.Submissions, func(i, j int) bool { return p.Submissions[i].Path < p.Submissions[j].Path })
}
