package verdict

import (
	"testing"

	"github.com/judge-dev/judge/pkg/run"
)

func TestWorstFollowsPrecedence(t *testing.T) {
	tests := []struct {
		in   []Verdict
		want Verdict
	}{
		{nil, AC},
		{[]Verdict{AC, AC}, AC},
		{[]Verdict{AC, WA}, WA},
		{[]Verdict{WA, OLE}, OLE},
		{[]Verdict{OLE, TLE, WA}, TLE},
		{[]Verdict{TLE, MLE}, MLE},
		{[]Verdict{MLE, RE, TLE}, RE},
		{[]Verdict{WA, RE, IE}, IE},
	}
	for _, tc := range tests {
		if got := Worst(tc.in...); got != tc.want {
			t.Errorf("Worst(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
	p := Precedence()
	p[0] = AC // a copy: the judge's order cannot be changed from outside
	if Precedence()[0] != IE {
		t.Fatal("Precedence returned the package's own slice")
	}
}

func TestClassesAndNames(t *testing.T) {
	rejected := map[Verdict]bool{WA: true, TLE: true, MLE: true, OLE: true, RE: true, CE: true}
	for _, v := range All() {
		if v.Rejected() != rejected[v] {
			t.Errorf("%s.Rejected() = %v", v, v.Rejected())
		}
		if v.Accepted() != (v == AC) {
			t.Errorf("%s.Accepted() = %v", v, v.Accepted())
		}
		if v.Accepted() && v.Rejected() {
			t.Errorf("%s both accepts and rejects", v)
		}
		if v.Name() == string(v) || v.Name() == "" {
			t.Errorf("%s has no name for people", v)
		}
		if got, err := Parse(v.String()); err != nil || got != v || !v.Final() {
			t.Errorf("Parse(%q) = %q, %v", v, got, err)
		}
	}
	if got := Join([]Verdict{TLE, RE}, ","); got != "TLE,RE" {
		t.Errorf("Join = %q", got)
	}
	if _, err := Parse("RTE"); err == nil {
		t.Error("Parse(RTE): want an error (package spellings are the problem loader's)")
	}
	if Verdict("").Final() || Verdict("").Rejected() {
		t.Error("no verdict must be neither final nor rejected")
	}
}

func TestOfStatusAndExit(t *testing.T) {
	for s, want := range map[run.Status]Verdict{run.TLE: TLE, run.MLE: MLE, run.OLE: OLE, run.RE: RE} {
		if got, ok := OfStatus(s); !ok || got != want {
			t.Errorf("OfStatus(%s) = %s %v, want %s", s, got, ok, want)
		}
	}
	for _, s := range []run.Status{run.OK, run.CE, run.IE} {
		if got, ok := OfStatus(s); ok {
			t.Errorf("OfStatus(%s) = %s: a run status that is not a test verdict by itself", s, got)
		}
	}
	for code, want := range map[int]Verdict{42: AC, 43: WA} {
		if got, ok := OfValidatorExit(code); !ok || got != want {
			t.Errorf("OfValidatorExit(%d) = %s %v, want %s", code, got, ok, want)
		}
	}
	for _, code := range []int{0, 1, 44, -1} {
		if got, ok := OfValidatorExit(code); ok {
			t.Errorf("OfValidatorExit(%d) = %s: only 42 and 43 are verdicts", code, got)
		}
	}
}
