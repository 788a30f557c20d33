package apiv1

import (
	"testing"

	"github.com/judge-dev/judge/pkg/judge/verdict"
)

// The mapping is total both ways: every judge verdict has a wire string that maps back to it,
// and every wire verdict of DESIGN.md maps to a judge verdict that maps back to it.
func TestVerdictMappingIsTotal(t *testing.T) {
	for _, v := range verdict.All() {
		w := WireVerdict(v)
		back, err := ParseVerdict(w)
		if err != nil || back != v {
			t.Errorf("%s → %q → %q, %v", v, w, back, err)
		}
	}
	wire := []string{VerdictAC, VerdictWA, VerdictTLE, VerdictMLE, VerdictOLE, VerdictRE, VerdictCE, VerdictIE, VerdictPA}
	if len(wire) != len(verdict.All()) || len(wireVerdicts) != len(wire) {
		t.Fatalf("%d wire verdicts, %d judge verdicts, %d mapped", len(wire), len(verdict.All()), len(wireVerdicts))
	}
	for _, w := range wire {
		v, err := ParseVerdict(w)
		if err != nil || WireVerdict(v) != w {
			t.Errorf("%q → %q, %v → %q", w, v, err, WireVerdict(v))
		}
	}
	if v, err := ParseVerdict(""); err != nil || v != "" || WireVerdict("") != "" {
		t.Errorf("no verdict must stay no verdict: %q %v", v, err)
	}
	if _, err := ParseVerdict("JE"); err == nil {
		t.Error("ParseVerdict(JE): want an error for a string the wire does not have")
	}
	if w := WireVerdict("XX"); w != VerdictIE {
		t.Errorf("an unmapped judge verdict went out as %q, want IE", w)
	}
}
