package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// calibratedPackage is a package without a time limit: two accepted submissions the server
// runs, one of several files it cannot, and a wrong answer that calibration ignores.
func calibratedPackage() map[string]string {
	files := sumPackage("4\n")
	files["submissions/accepted/sum.py"] = "print(sum(map(int, input().split())))\n"
	files["submissions/accepted/sum.c"] = "#include <stdio.h>\nint main(){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a+b);}\n"
	files["submissions/accepted/multi/main.py"] = "import helper\n"
	files["submissions/accepted/multi/helper.py"] = "print(0)\n"
	files["submissions/wrong_answer/zero.py"] = "print(0)\n"
	return files
}

// judgeRun finishes one calibration run as a worker does: claim, then the result.
func judgeRun(t *testing.T, st *store.Store, r apiv1.CalibrationRun, verdict string, ms int) {
	t.Helper()
	ctx := context.Background()
	c, ok, err := st.ClaimSubmission(ctx, r.Submission, 1, "w", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim %s: %v %v", r.Path, ok, err)
	}
	if c.Limits.TimeMS != 10000 {
		t.Errorf("%s runs under %d ms, want the probe limit of 10000 ms", r.Path, c.Limits.TimeMS)
	}
	v := store.Verdict{Verdict: verdict, TimeMS: ms, Tests: []store.TestResult{{Name: "secret/1", Group: "secret", Hidden: true, Verdict: verdict, TimeMS: ms}}}
	if ok, err := st.FinishSubmission(ctx, c.Claim, v); err != nil || !ok {
		t.Fatalf("finish %s: %v %v", r.Path, ok, err)
	}
}

func TestPushComputesTheTimeLimitThroughSubmissions(t *testing.T) {
	// A burst of one: calibration runs billed to the pusher would exhaust it.
	e := newEnv(t, envOpts{limits: api.Limits{SubmitRate: 0.001, SubmitBurst: 1}})
	put := func(slug, query string, files map[string]string) resp {
		return e.do(req{method: "PUT", path: "/v1/problems/" + slug + query, token: e.admin, body: pack(t, files),
			header: map[string]string{"Content-Type": "application/gzip"}})
	}
	r := put("sum", "", calibratedPackage())
	if r.status != http.StatusCreated {
		t.Fatalf("push: %d %s", r.status, r.body)
	}
	pushed := decode[apiv1.ProblemPushed](t, r).Problem
	cal := pushed.Calibration
	if pushed.State != apiv1.ProblemCalibrating || pushed.TimeLimitSource != "computed" || cal == nil || cal.Total != 2 || len(cal.Warnings) != 1 ||
		!strings.Contains(cal.Warnings[0], "accepted/multi") {
		t.Fatalf("pushed = %+v, calibration %+v; want calibrating on the two one-file accepted submissions", pushed, cal)
	}

	// Nobody can submit to a problem whose only version is calibrating.
	sr := e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: apiv1.SubmissionRequest{Language: "python3", Source: "print(1)", Problem: "sum"}})
	if sr.status != http.StatusConflict || sr.problem(t).Type != apiv1.ErrTypeProblemNotReady || !strings.Contains(sr.problem(t).Detail, "calibrating") {
		t.Errorf("submit while calibrating: %d %s; want 409 problem-not-ready", sr.status, sr.body)
	}
	// The runs are not the pusher's submissions: not listed, and not billed to its rate limit.
	if list := decode[apiv1.SubmissionList](t, e.do(req{method: "GET", path: "/v1/submissions", token: e.admin})); len(list.Items) != 0 {
		t.Errorf("listing shows %d submissions, want none", len(list.Items))
	}
	if r := e.do(req{method: "POST", path: "/v1/submissions", token: e.admin, body: adhoc()}); r.status != http.StatusAccepted {
		t.Errorf("the pusher's first submission: %d %s; calibration runs must not be billed", r.status, r.body)
	}

	byPath := map[string]apiv1.CalibrationRun{}
	for _, run := range cal.Runs {
		byPath[run.Path] = run
	}
	if byPath["accepted/sum.py"].Language != "python3" || byPath["accepted/sum.c"].Language != "c" {
		t.Fatalf("runs %+v", cal.Runs)
	}
	judgeRun(t, e.st, byPath["accepted/sum.py"], "AC", 450)
	prog := decode[apiv1.Problem](t, e.do(req{method: "GET", path: "/v1/problems/sum/versions/1", token: e.viewer}))
	if prog.State != apiv1.ProblemCalibrating || prog.Calibration.Judged != 1 || prog.Calibration.Total != 2 {
		t.Errorf("progress = %+v %+v; want 1 of 2 judged", prog, prog.Calibration)
	}
	judgeRun(t, e.st, byPath["accepted/sum.c"], "AC", 20)
	got := decode[apiv1.Problem](t, e.do(req{method: "GET", path: "/v1/problems/sum", token: e.viewer}))
	// Legacy: 450 ms x 5, rounded up to the second.
	if got.State != apiv1.ProblemActive || got.Limits.TimeMS != 3000 || got.Calibration == nil || got.Calibration.SlowestMS != 450 {
		t.Fatalf("settled = %+v %+v; want active at 3000 ms", got, got.Calibration)
	}
	sr = e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: apiv1.SubmissionRequest{Language: "python3", Source: "print(1)", Problem: "sum"}})
	if sr.status != http.StatusAccepted {
		t.Fatalf("submit when active: %d %s", sr.status, sr.body)
	}
	sub, err := e.st.GetSubmission(context.Background(), decode[apiv1.SubmissionAccepted](t, sr).ID, false)
	if err != nil || sub.Limits.TimeMS != 3000 {
		t.Errorf("a submission runs under %d ms (%v), want the computed 3000 ms", sub.Limits.TimeMS, err)
	}

	// While a new version calibrates, submissions keep going to the active one.
	changed := calibratedPackage()
	changed["data/secret/2.in"], changed["data/secret/2.ans"] = "6 6\n", "12\n"
	if r := put("sum", "", changed); r.status != http.StatusCreated || decode[apiv1.ProblemPushed](t, r).Problem.Version != 2 {
		t.Fatalf("push v2: %d %s", r.status, r.body)
	}
	sr = e.do(req{method: "POST", path: "/v1/submissions", token: e.sub2, body: apiv1.SubmissionRequest{Language: "python3", Source: "print(2)", Problem: "sum"}})
	if sr.status != http.StatusAccepted {
		t.Fatalf("submit while v2 calibrates: %d %s", sr.status, sr.body)
	}
	if sub, err := e.st.GetSubmission(context.Background(), decode[apiv1.SubmissionAccepted](t, sr).ID, false); err != nil || sub.ProblemVersion != 1 || sub.Limits.TimeMS != 3000 {
		t.Errorf("while v2 calibrates a submission goes to version %d under %d ms (%v), want v1 under 3000 ms", sub.ProblemVersion, sub.Limits.TimeMS, err)
	}

	// No accepted submission at all: active at once on the server's default, with a warning.
	r = put("plain", "", sumPackage("4\n"))
	plain := decode[apiv1.ProblemPushed](t, r).Problem
	if r.status != http.StatusCreated || plain.State != apiv1.ProblemActive || plain.TimeLimitSource != "default" || plain.Limits.TimeMS != 2000 ||
		plain.Calibration == nil || len(plain.Calibration.Warnings) != 1 {
		t.Errorf("push without accepted submissions: %d %+v %+v", r.status, plain, plain.Calibration)
	}
	// A fixed limit is the package's.
	fixed := sumPackage("4\n")
	fixed["problem.yaml"] = "name: Sum\nlimits:\n  time_limit: 1.5\n"
	r = put("fixed", "", fixed)
	if p := decode[apiv1.ProblemPushed](t, r).Problem; p.State != apiv1.ProblemActive || p.TimeLimitSource != "package" || p.Limits.TimeMS != 1500 || p.Calibration != nil {
		t.Errorf("push with a fixed limit: %+v", p)
	}
	for _, c := range []struct{ name, path string }{{"bad force", "/v1/problems/x?force=maybe"}} {
		if r := e.do(req{method: "PUT", path: c.path, token: e.admin, body: "x"}); r.status != 400 || r.problem(t).Type != apiv1.ErrTypeBadRequest {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
	for _, path := range []string{"/v1/problems/sum/versions/0", "/v1/problems/sum/versions/x", "/v1/problems/sum/versions/7015282505065874"} {
		if r := e.do(req{method: "GET", path: path, token: e.viewer}); r.status != 400 {
			t.Errorf("GET %s: %d %s, want 400", path, r.status, r.body)
		}
	}
	if r := e.do(req{method: "GET", path: "/v1/problems/sum/versions/9", token: e.viewer}); r.status != 404 || r.problem(t).Type != apiv1.ErrTypeNotFound {
		t.Errorf("unknown version: %d %s", r.status, r.body)
	}
}

func TestForcedPushKeepsFailuresAsWarnings(t *testing.T) {
	e := newEnv(t, envOpts{})
	put := func(query string) apiv1.Problem {
		r := e.do(req{method: "PUT", path: "/v1/problems/sum" + query, token: e.admin, body: pack(t, calibratedPackage()),
			header: map[string]string{"Content-Type": "application/gzip"}})
		if r.status != http.StatusCreated {
			t.Fatalf("push%s: %d %s", query, r.status, r.body)
		}
		return decode[apiv1.ProblemPushed](t, r).Problem
	}
	settle := func(p apiv1.Problem) apiv1.Problem {
		for _, run := range p.Calibration.Runs {
			verdict := "AC"
			if run.Language == "c" {
				verdict = "WA"
			}
			judgeRun(t, e.st, run, verdict, 1200)
		}
		return decode[apiv1.Problem](t, e.do(req{method: "GET", path: "/v1/problems/sum/versions/" + strconv.Itoa(p.Version), token: e.viewer}))
	}
	refused := settle(put(""))
	if refused.State != apiv1.ProblemRejected || len(refused.Calibration.Failures) != 1 ||
		!strings.Contains(refused.Calibration.Failures[0], "accepted/sum.c (c): WA on test secret/1") {
		t.Fatalf("refused = %+v %+v", refused, refused.Calibration)
	}
	sr := e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: apiv1.SubmissionRequest{Language: "python3", Source: "print(1)", Problem: "sum"}})
	if sr.status != http.StatusConflict || !strings.Contains(sr.problem(t).Detail, "refused") {
		t.Errorf("submit to a refused problem: %d %s", sr.status, sr.body)
	}
	forced := settle(put("?force=true"))
	if forced.Version != 2 || forced.State != apiv1.ProblemActive || !forced.Calibration.Forced || forced.Limits.TimeMS != 6000 ||
		len(forced.Calibration.Warnings) != 2 {
		t.Fatalf("forced = %+v %+v; want v2 active at 1200 ms x 5 = 6000 ms with the failure as a warning", forced, forced.Calibration)
	}
}
