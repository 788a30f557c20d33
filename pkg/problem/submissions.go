package problem

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

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
