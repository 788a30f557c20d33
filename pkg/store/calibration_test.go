package store

import (
	"slices"
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/judge/verdict"
)

func TestSettle(t *testing.T) {
	run := func(path, v string, ms int, test string) CalibrationResult {
		r := CalibrationResult{Path: path, Language: "python3", Status: StatusDone, Verdict: v, TimeMS: ms}
		if v != string(verdict.AC) {
			r.FailedTest, r.FailedVerdict = test, v
		}
		return r
	}
	legacy := calibrationSettings{TimeMultiplier: 5, TimeResolutionMS: 1000, FallbackMS: 2000}
	v2023 := calibrationSettings{TimeMultiplier: 2, TimeResolutionMS: 1000, FallbackMS: 2000}
	forced := legacy
	forced.Forced = true
	for _, tc := range []struct {
		name       string
		cs         calibrationSettings
		runs       []CalibrationResult
		state      string
		source     string
		limitMS    int
		slowestMS  int
		warnings   int
		failureHas string
	}{
		{name: "legacy: slowest x 5, rounded up to the second", cs: legacy,
			runs:  []CalibrationResult{run("accepted/a.py", "AC", 120, ""), run("accepted/b.cpp", "AC", 30, "")},
			state: ProblemActive, source: "computed", limitMS: 1000, slowestMS: 120},
		{name: "2023-07 multiplier 2: 1.4 s becomes 3 s", cs: v2023,
			runs:  []CalibrationResult{run("accepted/a.py", "AC", 1400, ""), run("accepted/b.cpp", "AC", 10, "")},
			state: ProblemActive, source: "computed", limitMS: 3000, slowestMS: 1400},
		{name: "an instant run still gets one resolution step", cs: v2023,
			runs:  []CalibrationResult{run("accepted/a.c", "AC", 0, "")},
			state: ProblemActive, source: "computed", limitMS: 1000},
		{name: "a failing accepted submission rejects the version", cs: legacy,
			runs:  []CalibrationResult{run("accepted/a.py", "AC", 120, ""), run("accepted/slow.py", "TLE", 10000, "secret/3")},
			state: ProblemRejected, source: "computed", slowestMS: 120, failureHas: "accepted/slow.py (python3): TLE on test secret/3"},
		{name: "forced: computed from those that passed, failures kept as warnings", cs: forced,
			runs:  []CalibrationResult{run("accepted/a.py", "AC", 250, ""), run("accepted/bad.py", "WA", 5, "secret/1")},
			state: ProblemActive, source: "computed", limitMS: 2000, slowestMS: 250, warnings: 1, failureHas: "WA on test secret/1"},
		{name: "forced with nothing passing: the server's default", cs: forced,
			runs:  []CalibrationResult{run("accepted/bad.py", "RE", 5, "sample/1")},
			state: ProblemActive, source: "default", limitMS: 2000, warnings: 2, failureHas: "RE on test sample/1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cal := &Calibration{Runs: tc.runs, Total: len(tc.runs), Judged: len(tc.runs)}
			for _, r := range tc.runs {
				if f := failure(r); f != "" {
					cal.Failures = append(cal.Failures, f)
				}
			}
			got := settle(tc.cs, cal)
			if got.State != tc.state || got.TimeLimitMS != tc.limitMS || got.SlowestMS != tc.slowestMS || len(got.Warnings) != tc.warnings {
				t.Errorf("settle = %+v; want state %s, limit %d ms, slowest %d ms, %d warnings", got, tc.state, tc.limitMS, tc.slowestMS, tc.warnings)
			}
			if got.State == ProblemActive && got.TimeLimitSource != tc.source {
				t.Errorf("source %q, want %q", got.TimeLimitSource, tc.source)
			}
			if tc.failureHas != "" && !slices.ContainsFunc(cal.Failures, func(f string) bool { return strings.Contains(f, tc.failureHas) }) {
				t.Errorf("failures %q, want one with %q", cal.Failures, tc.failureHas)
			}
			if tc.failureHas == "" && len(cal.Failures) > 0 {
				t.Errorf("failures %q, want none", cal.Failures)
			}
		})
	}
}

func TestFailureNamesTheRun(t *testing.T) {
	for _, tc := range []struct {
		r    CalibrationResult
		want string
	}{
		{CalibrationResult{Path: "accepted/a.py", Language: "python3", Status: StatusRunning}, ""},
		{CalibrationResult{Path: "accepted/a.py", Language: "python3", Status: StatusDone, Verdict: "AC"}, ""},
		{CalibrationResult{Path: "accepted/a.c", Language: "c", Status: StatusDone, Verdict: "CE", Message: "a.c:1: error\nmore"},
			"accepted/a.c (c): CE (a.c:1: error), expected AC"},
		{CalibrationResult{Path: "accepted/a.c", Language: "c", Status: StatusDone, Verdict: "IE"}, "accepted/a.c (c): IE, expected AC"},
	} {
		if got := failure(tc.r); got != tc.want {
			t.Errorf("failure(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}
