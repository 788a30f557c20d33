package watch

import (
	"fmt"
	"strings"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// Filter selects submissions by problem, verdict and owner; empty fields match everything.
type Filter struct {
	Problem string
	Verdict string
	Owner   string
}

// ParseFilter reads "problem:hello verdict:WA owner:alice" (any subset, any order); a bare
// word means a problem.
func ParseFilter(s string) (Filter, error) {
	var f Filter
	for _, tok := range strings.Fields(s) {
		k, v, ok := strings.Cut(tok, ":")
		if !ok {
			k, v = "problem", tok
		}
		if v == "" {
			return f, fmt.Errorf("filter %q has no value: write key:value", tok)
		}
		switch strings.ToLower(k) {
		case "problem", "p":
			f.Problem = v
		case "verdict", "v":
			f.Verdict = strings.ToUpper(v)
		case "owner", "o":
			f.Owner = v
		default:
			return f, fmt.Errorf("unknown filter key %q: use problem:, verdict: or owner:", k)
		}
	}
	return f, nil
}

// filterRows returns the rows f matches, in order.
func filterRows(rows []apiv1.Submission, f Filter) []apiv1.Submission {
	out := make([]apiv1.Submission, 0, len(rows))
	for _, s := range rows {
		if f.Match(s) {
			out = append(out, s)
		}
	}
	return out
}

// String renders the filter in the syntax ParseFilter reads.
func (f Filter) String() string {
	var parts []string
	if f.Problem != "" {
		parts = append(parts, "problem:"+f.Problem)
	}
	if f.Verdict != "" {
		parts = append(parts, "verdict:"+f.Verdict)
	}
	if f.Owner != "" {
		parts = append(parts, "owner:"+f.Owner)
	}
	return strings.Join(parts, " ")
}

// Match applies the filter locally too, so a server that ignores a query parameter still
// shows only what was asked for.
func (f Filter) Match(s apiv1.Submission) bool {
	return (f.Problem == "" || s.Problem == f.Problem) &&
		(f.Verdict == "" || s.Verdict == f.Verdict) &&
		(f.Owner == "" || s.Owner == f.Owner)
}
