package problem

import (
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

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
			entries = append(entries, entry{base: base, test: &Test{Name: name + "/" + base, Input: in, Answer: ans,
				InputFile: t.spillPath(full), AnswerFile: t.spillPath(ansPath), Sample: strings.HasPrefix(name, "sample")}})
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
