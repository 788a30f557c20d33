package store

import (
	"slices"
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/apiv1"
)

func TestSettle(t *testing.T) {
	run := func(path, verdict string, ms int, test string) apiv1.CalibrationRun {
		r := apiv1.CalibrationRun{Path: path, Language: "python3", Status: apiv1.StatusDone, Verdict: verdict, TimeMS: ms}
		if verdict != apiv1.VerdictAC {
			r.FailedTest, r.FailedVerdict = test, verdict
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
		runs       []apiv1.CalibrationRun
		state      string
		source     string
		limitMS    int
		slowestMS  int
		warnings   int
		failureHas string
	}{
		{name: "legacy: slowest x 5, rounded up to the second", cs: legacy,
			runs:  []apiv1.CalibrationRun{run("accepted/a.py", "AC", 120, ""), run("accepted/b.cpp", "AC", 30, "")},
			state: apiv1.ProblemActive, source: "computed", limitMS: 1000, slowestMS: 120},
		{name: "2023-07 multiplier 2: 1.4 s becomes 3 s", cs: v2023,
			runs:  []apiv1.CalibrationRun{run("accepted/a.py", "AC", 1400, ""), run("accepted/b.cpp", "AC", 10, "")},
			state: apiv1.ProblemActive, source: "computed", limitMS: 3000, slowestMS: 1400},
		{name: "an instant run still gets one resolution step", cs: v2023,
			runs:  []apiv1.CalibrationRun{run("accepted/a.c", "AC", 0, "")},
			state: apiv1.ProblemActive, source: "computed", limitMS: 1000},
		{name: "a failing accepted submission rejects the version", cs: legacy,
			runs:  []apiv1.CalibrationRun{run("accepted/a.py", "AC", 120, ""), run("accepted/slow.py", "TLE", 10000, "secret/3")},
			state: apiv1.ProblemRejected, source: "computed", slowestMS: 120, failureHas: "accepted/slow.py (python3): TLE on test secret/3"},
		{name: "forced: computed from those that passed, failures kept as warnings", cs: forced,
			runs:  []apiv1.CalibrationRun{run("accepted/a.py", "AC", 250, ""), run("accepted/bad.py", "WA", 5, "secret/1")},
			state: apiv1.ProblemActive, source: "computed", limitMS: 2000, slowestMS: 250, warnings: 1, failureHas: "WA on test secret/1"},
		{name: "forced with nothing passing: the server's default", cs: forced,
			runs:  []apiv1.CalibrationRun{run("accepted/bad.py", "RE", 5, "sample/1")},
			state: apiv1.ProblemActive, source: "default", limitMS: 2000, warnings: 2, failureHas: "RE on test sample/1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cal := &apiv1.Calibration{Runs: tc.runs, Total: len(tc.runs), Judged: len(tc.runs)}
			for _, r := range tc.runs {
				if f := failure(r); f != "" {
					cal.Failures = append(cal.Failures, f)
				}
			}
			got := settle(tc.cs, cal)
			if got.State != tc.state || got.TimeLimitMS != tc.limitMS || got.SlowestMS != tc.slowestMS || len(got.Warnings) != tc.warnings {
				t.Errorf("settle = %+v; want state %s, limit %d ms, slowest %d ms, %d warnings", got, tc.state, tc.limitMS, tc.slowestMS, tc.warnings)
			}
			if got.State == apiv1.ProblemActive && got.TimeLimitSource != tc.source {
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
		r    apiv1.CalibrationRun
		want string
	}{
		{apiv1.CalibrationRun{Path: "accepted/a.py", Language: "python3", Status: apiv1.StatusRunning}, ""},
		{apiv1.CalibrationRun{Path: "accepted/a.py", Language: "python3", Status: apiv1.StatusDone, Verdict: "AC"}, ""},
		{apiv1.CalibrationRun{Path: "accepted/a.c", Language: "c", Status: apiv1.StatusDone, Verdict: "CE", Message: "a.c:1: error\nmore"},
			"accepted/a.c (c): CE (a.c:1: error), expected AC"},
		{apiv1.CalibrationRun{Path: "accepted/a.c", Language: "c", Status: apiv1.StatusDone, Verdict: "IE"}, "accepted/a.c (c): IE, expected AC"},
	} {
		if got := failure(tc.r); got != tc.want {
			t.Errorf("failure(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}
