package problem

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

var expectedRe = regexp.MustCompile(`@EXPECTED_RESULTS@\s*:\s*([A-Za-z_,\- \t]+)`)

// Verdict folders of submissions/ every format knows, and the final verdicts each expects.
// problemtools checks accepted, partially_accepted, wrong_answer, run_time_error and
// time_limit_exceeded; the last three folders are this judge's (and DOMjudge's) additions.
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

// Rules of the 2023-07 default folders (the specification's "default directories"); rejected
// and brute_force have no single final verdict.
var defaultRules = map[string]Rule{
	"accepted":            {Permitted: []string{"AC"}},
	"wrong_answer":        {Permitted: []string{"AC", "WA"}, Required: []string{"WA"}},
	"time_limit_exceeded": {Permitted: []string{"AC", "TLE"}, Required: []string{"TLE"}},
	"run_time_error":      {Permitted: []string{"AC", "RE"}, Required: []string{"RE"}},
	"rejected":            {Required: []string{"RE", "TLE", "WA"}},
	"brute_force":         {Permitted: []string{"AC", "RE", "TLE"}, Required: []string{"RE", "TLE"}},
}

// abbreviations of expectations.yaml.
var abbreviations = map[string]Rule{
	"accepted":            defaultRules["accepted"],
	"wrong answer":        defaultRules["wrong_answer"],
	"time limit exceeded": defaultRules["time_limit_exceeded"],
	"runtime exception":   defaultRules["run_time_error"],
	"does not terminate":  defaultRules["brute_force"],
	"not accepted":        {Required: []string{"RE", "TLE", "WA"}},
	"rejected":            {Required: []string{"RE", "WA"}},
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

// Rule is one 2023-07 expectation on the verdicts of a submission's tests: every test matching
// Tests gets a verdict of Permitted, and, when Required is not empty, some matching test gets
// one of Required. Verdicts are apiv1 codes (RTE is RE).
type Rule struct {
	// Tests is a pattern of test groups or cases relative to data/ ("secret/group1",
	// "secret/*-small"); a test matches when it or one of its groups does. Empty: every test.
	Tests     string
	Permitted []string
	Required  []string
}

func (r Rule) String() string {
	var parts []string
	if r.Tests != "" {
		parts = append(parts, r.Tests+":")
	}
	if r.Permitted != nil {
		parts = append(parts, "permitted "+strings.Join(r.Permitted, ","))
	}
	if len(r.Required) > 0 {
		parts = append(parts, "required "+strings.Join(r.Required, ","))
	}
	return strings.Join(parts, " ")
}

// AcceptedOnly says whether s must be accepted on every test: such submissions bound a computed
// time limit from below, as the accepted folder does (verify and the server's calibration run
// exactly these).
func (s Submission) AcceptedOnly() bool {
	if len(s.Expected) > 0 {
		return slices.Equal(s.Expected, []string{"AC"})
	}
	return slices.ContainsFunc(s.Rules, func(r Rule) bool {
		return r.Tests == "" && slices.Equal(r.Permitted, []string{"AC"})
	})
}

// TestVerdict is the verdict one judged test got; Name is relative to data/ ("secret/g1/03").
type TestVerdict struct {
	Name    string
	Verdict string
}

// Comparable maps a verdict to what a package of format can expect. The legacy format (and
// problemtools, which checks it) has no memory limit verdict: exceeding problemtools' memory
// rlimit makes an allocation fail and the program crash, so MLE counts as RE. Output over the
// limit stays OLE: problemtools reports OLE too, and no legacy folder expects it. 2023-07 test
// verdicts are AC, WA, TLE and RTE, so both are RE there.
func Comparable(format, v string) string {
	switch {
	case v == "MLE":
		return "RE"
	case v == "OLE" && format == Format202307:
		return "RE"
	}
	return v
}

// Check says whether a submission that got the final verdict got, with the judged tests'
// verdicts, meets what its package expects (in format); why names the unmet expectation. A
// compile error meets only an expected CE.
func (s Submission) Check(format, got string, tests []TestVerdict) (ok bool, why string) {
	switch {
	case got == "CE" || got == "IE" || got == "":
		if got == "CE" && slices.Contains(s.Expected, "CE") {
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
		return false, fmt.Sprintf("got %s, expected %s", got, strings.Join(s.Expected, " or "))
	}
	for _, r := range s.Rules {
		var seen []string
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
		if len(r.Required) > 0 && !slices.ContainsFunc(seen, func(v string) bool { return slices.Contains(r.Required, v) }) {
			return false, fmt.Sprintf("no test got %s (%s)", strings.Join(r.Required, " or "), r)
		}
	}
	return true, ""
}

func orNone(s string) string {
	if s == "" {
		return "no verdict"
	}
	return s
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

func verdictList(n *yaml.Node) ([]string, error) {
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
	out := []string{}
	for _, w := range raw {
		switch v := verdictNames[strings.ToUpper(w)]; v {
		case "AC", "WA", "TLE", "RE":
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
