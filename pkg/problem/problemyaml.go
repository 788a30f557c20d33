package problem

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

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
		case "multi-pass":
			if p.Format == FormatLegacy {
				is.add(file, "type multi-pass is 2023-07")
			}
			p.Passes = 2
		case "submit-answer":
			is.add(file, "type submit-answer is not supported by this judge (submissions are programs)")
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
	if f, ok := num("validation_passes", 2); ok {
		if p.Passes == 0 {
			is.add(file, "limits.validation_passes is only for multi-pass problems")
		} else {
			p.Passes = int(f)
		}
	}
	for _, k := range []string{"code", "compilation_memory", "validation_output"} {
		num(k, 0) // checked, not used
	}
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
