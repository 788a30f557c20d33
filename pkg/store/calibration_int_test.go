package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

// finishRun claims calibration run r as a worker would and finishes it with verdict after ms.
func finishRun(t *testing.T, st *store.Store, r store.CalibrationResult, verdict string, ms int) {
	t.Helper()
	ctx := context.Background()
	c, ok, err := st.ClaimSubmission(ctx, r.Submission, 1, "w1", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim %s: ok=%v err=%v", r.Path, ok, err)
	}
	if c.Limits.TimeMS != 10000 || c.ProblemID == 0 {
		t.Errorf("calibration run claimed with %+v, want the probe limit and the version", c)
	}
	v := store.Verdict{Verdict: verdict, TimeMS: ms, Tests: []store.TestResult{{Name: "sample/1", Verdict: "AC", TimeMS: ms / 2}, {Name: "secret/1", Verdict: verdict, TimeMS: ms}}}
	if written, err := st.FinishSubmission(ctx, c.Claim, v); err != nil || !written {
		t.Fatalf("finish %s: written=%v err=%v", r.Path, written, err)
	}
}

func TestCalibrationThroughSubmissions(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	var tok int64
	if err := st.DB().QueryRow(`INSERT INTO api_tokens (name, role, token_hash)
		VALUES ('admin', 'admin', decode(md5(random()::text), 'hex')) RETURNING id`).Scan(&tok); err != nil {
		t.Fatal(err)
	}
	newProblem := func(pkg string, force bool) store.NewProblem {
		return store.NewProblem{Slug: "calib", Name: "Calib", Package: []byte(pkg), TimeLimitMS: 2000, MemoryKB: 1024, OutputKB: 64,
			Tests: []store.NewTestcase{{Name: "sample/1", Group: "sample"}},
			Calibration: &store.NewCalibration{Force: force, TimeMultiplier: 2, TimeResolution: time.Second, FallbackMS: 2000,
				OwnerTokenID: tok, Owner: "admin", Limits: store.Limits{TimeMS: 10000, MemoryKB: 1024},
				Warnings: []string{"submissions/accepted/multi: 2 files"},
				Runs: []store.CalibrationRun{{Path: "accepted/a.py", Language: "python3", Source: "print(1)"},
					{Path: "accepted/b.c", Language: "c", Source: "int main(){}"}}}}
	}
	v1, created, err := st.PutProblem(ctx, newProblem("v1", false))
	if err != nil || !created {
		t.Fatalf("put v1: created=%v err=%v", created, err)
	}
	if v1.State != store.ProblemCalibrating || v1.Limits.TimeMS != 0 || v1.Calibration == nil || v1.Calibration.Total != 2 || v1.Calibration.Judged != 0 {
		t.Fatalf("v1 = %+v, calibration %+v; want calibrating with 2 runs to judge", v1, v1.Calibration)
	}
	// A calibrating problem without an active version is the current one (submissions are
	// refused by the API on its state); its runs are nobody's submissions.
	if cur, err := st.LatestProblem(ctx, "calib"); err != nil || cur.Version != 1 || cur.State != store.ProblemCalibrating {
		t.Errorf("latest while calibrating = %+v, %v", cur, err)
	}
	if subs, err := st.ListSubmissions(ctx, store.ListFilter{Limit: 10}); err != nil || len(subs) != 0 {
		t.Errorf("listing shows %d submissions (%v); calibration runs are not users'", len(subs), err)
	}
	if page, total, err := st.SubmissionsPage(ctx, 0, 0, 10); err != nil || total != 0 || len(page) != 0 {
		t.Errorf("Judge0 page shows %d of %d (%v)", len(page), total, err)
	}
	if stats, err := st.Stats(ctx); err != nil || stats.Queued != 0 {
		t.Errorf("stats count %d queued (%v); calibration runs are not counted", stats.Queued, err)
	}
	var dispatched int
	if err := st.DB().QueryRow(`SELECT count(*) FROM dispatch d JOIN calibration_runs c ON c.submission_id = d.submission_id`).Scan(&dispatched); err != nil || dispatched != 2 {
		t.Errorf("%d calibration runs in the outbox (%v), want 2: they travel the normal path", dispatched, err)
	}
	runs := v1.Calibration.Runs
	finishRun(t, st, runs[0], "AC", 700)
	if p, err := st.ProblemAt(ctx, "calib", 1); err != nil || p.State != store.ProblemCalibrating || p.Calibration.Judged != 1 ||
		p.Calibration.Runs[0].Verdict != "AC" || p.Calibration.Runs[0].TimeMS != 700 {
		t.Fatalf("after one run: %+v %+v (%v)", p, p.Calibration, err)
	}
	finishRun(t, st, runs[1], "AC", 300)
	p, err := st.ProblemAt(ctx, "calib", 1)
	if err != nil || p.State != store.ProblemActive || p.TimeLimitSource != "computed" || p.Limits.TimeMS != 2000 ||
		p.Calibration.SlowestMS != 700 || len(p.Calibration.Warnings) != 1 {
		t.Fatalf("settled: %+v %+v (%v); want active, 700 ms x 2 rounded up to 2000 ms", p, p.Calibration, err)
	}
	pkg, err := st.GetProblemPackage(ctx, p.ID)
	if err != nil || pkg.TimeLimitMS != 2000 {
		t.Errorf("the worker reads time limit %d ms (%v), want 2000", pkg.TimeLimitMS, err)
	}

	// v2 has an accepted submission that fails: refused, and v1 stays the one judged.
	v2, _, err := st.PutProblem(ctx, newProblem("v2", false))
	if err != nil || v2.Version != 2 {
		t.Fatalf("put v2: %+v %v", v2, err)
	}
	if cur, err := st.LatestProblem(ctx, "calib"); err != nil || cur.Version != 1 {
		t.Errorf("while v2 calibrates, current = %+v, %v; want v1", cur, err)
	}
	finishRun(t, st, v2.Calibration.Runs[0], "AC", 100)
	finishRun(t, st, v2.Calibration.Runs[1], "WA", 5)
	p, err = st.ProblemAt(ctx, "calib", 2)
	if err != nil || p.State != store.ProblemRejected || len(p.Calibration.Failures) != 1 ||
		!strings.Contains(p.Calibration.Failures[0], "accepted/b.c (c): WA on test secret/1") {
		t.Fatalf("v2 = %+v %+v (%v); want rejected naming b.c, secret/1, WA", p, p.Calibration, err)
	}
	if cur, err := st.LatestProblem(ctx, "calib"); err != nil || cur.Version != 1 || cur.Limits.TimeMS != 2000 {
		t.Errorf("after v2 was refused, current = %+v, %v; want v1", cur, err)
	}
	if list, err := st.ListProblems(ctx); err != nil || len(list) != 1 || list[0].Version != 1 {
		t.Errorf("list = %+v, %v; want v1", list, err)
	}

	// The same package forced: calibrated anew (not deduplicated against the refused one).
	v3, created, err := st.PutProblem(ctx, newProblem("v2", true))
	if err != nil || !created || v3.Version != 3 || v3.State != store.ProblemCalibrating || !v3.Calibration.Forced {
		t.Fatalf("forced put = %+v %+v created=%v (%v)", v3, v3.Calibration, created, err)
	}
	finishRun(t, st, v3.Calibration.Runs[0], "AC", 1600)
	finishRun(t, st, v3.Calibration.Runs[1], "WA", 5)
	p, err = st.ProblemAt(ctx, "calib", 3)
	if err != nil || p.State != store.ProblemActive || p.Limits.TimeMS != 4000 || len(p.Calibration.Warnings) != 2 {
		t.Fatalf("forced v3 = %+v %+v (%v); want active at 1600 ms x 2 = 4000 ms, the failure kept as a warning", p, p.Calibration, err)
	}
	if again, created, err := st.PutProblem(ctx, newProblem("v2", true)); err != nil || created || again.Version != 3 {
		t.Errorf("pushing the active package again = version %d created=%v (%v); want v3 unchanged", again.Version, created, err)
	}
}
