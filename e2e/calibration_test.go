package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/judge/verify"
	"github.com/judge-dev/judge/pkg/problem"
)

// TestPushComputesTheTimeLimitAsVerify pushes a package without a fixed time limit to a real
// cluster: the server judges its accepted submissions through relay, Kafka and a worker, and
// the limit it computes is the one `judgectl problem verify --local` computes. A package whose
// accepted submission fails is refused (exit 1, with the report), then kept with --force.
func TestPushComputesTheTimeLimitAsVerify(t *testing.T) {
	c := newCluster(t)
	c.startAPI("api1")
	c.startRelay("relay1")
	c.startWorker("worker1", 2)
	root := repoRoot(t)
	judgectl := buildJudgectl(t, root)
	run := func(args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, judgectl, args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "JUDGE_SERVER="+c.apiURLs[0], "JUDGE_TOKEN="+c.token,
			"JUDGECTL_CONFIG="+filepath.Join(t.TempDir(), "judgectl.yaml"))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			return out.String(), ee.ExitCode()
		case err != nil:
			t.Fatalf("judgectl %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String(), 0
	}

	// absdiff (legacy format) fixes no time limit; its accepted submissions are C++ and Python.
	const pkg = "examples/problems/absdiff"
	if p, err := problem.Load(filepath.Join(root, pkg)); err != nil || p.Limits.TimeLimit != 0 {
		t.Fatalf("%s must fix no time limit for this test: %v, %v", pkg, p.Limits.TimeLimit, err)
	}
	out, code := run("problem", "push", pkg, "--slug", "absdiff")
	if code != 0 || !strings.Contains(out, "Computing the time limit: judging 2 accepted submission(s)") ||
		!strings.Contains(out, "[2/2] accepted/") || !strings.Contains(out, "(computed from the slowest accepted run") {
		t.Fatalf("push = exit %d:\n%s", code, out)
	}
	t.Logf("push:\n%s", out)
	server := c.getProblem(t, "/v1/problems/absdiff")
	cal := server.Calibration
	if server.State != apiv1.ProblemActive || server.TimeLimitSource != "computed" || cal == nil || cal.Judged != 2 || len(cal.Failures) != 0 {
		t.Fatalf("server's version = %+v, calibration %+v", server, cal)
	}

	out, code = run("problem", "verify", "--local", "--agent", c.bin, "-o", "json", pkg)
	var rep verify.Report
	if err := json.NewDecoder(strings.NewReader(out[max(strings.Index(out, "{"), 0):])).Decode(&rep); err != nil || !rep.TimeLimitComputed {
		t.Fatalf("verify --local = exit %d (%v):\n%s", code, err, out)
	}
	// Both sides round slowest × multiplier up to the resolution with the one function; they
	// measure separate runs, so they agree unless the two slowest times fall on either side of
	// a step.
	p, _ := problem.Load(filepath.Join(root, pkg))
	serverLimit := time.Duration(server.Limits.TimeMS) * time.Millisecond
	if want := p.Limits.ComputeTimeLimit(time.Duration(cal.SlowestMS) * time.Millisecond); serverLimit != want {
		t.Errorf("server limit %s, but ComputeTimeLimit(its slowest %d ms) = %s", serverLimit, cal.SlowestMS, want)
	}
	if serverLimit != rep.TimeLimit {
		step := p.Limits.TimeResolution
		lo, hi := min(cal.SlowestMS, int(rep.SlowestAC.Milliseconds())), max(cal.SlowestMS, int(rep.SlowestAC.Milliseconds()))
		straddle := p.Limits.ComputeTimeLimit(time.Duration(lo)*time.Millisecond) != p.Limits.ComputeTimeLimit(time.Duration(hi)*time.Millisecond)
		if !straddle || (serverLimit-rep.TimeLimit).Abs() > step {
			t.Errorf("server computed %s (slowest %d ms), verify %s (slowest %s)", serverLimit, cal.SlowestMS, rep.TimeLimit, rep.SlowestAC)
		}
	}
	t.Logf("server: %s from %d ms; verify: %s from %s", serverLimit, cal.SlowestMS, rep.TimeLimit, rep.SlowestAC)

	// A submission now runs under the computed limit; the calibration runs are nobody's.
	id, err := c.submit(apiv1.SubmissionRequest{Language: "python3", Problem: "absdiff",
		Source: "a, b = map(int, input().split())\nprint(abs(a - b))\n"}, "calib-ac")
	if err != nil {
		t.Fatal(err)
	}
	sub := c.waitDone(t, id)
	if sub.Verdict != apiv1.VerdictAC || sub.Limits.TimeMS != server.Limits.TimeMS {
		t.Errorf("submission = %s under %d ms, want AC under %d ms", sub.Verdict, sub.Limits.TimeMS, server.Limits.TimeMS)
	}
	var list apiv1.SubmissionList
	c.getJSON(t, "/v1/submissions", &list)
	if len(list.Items) != 1 || list.Items[0].ID != id {
		t.Errorf("GET /v1/submissions lists %d submissions, want only the user's one", len(list.Items))
	}

	// An accepted submission that is wrong: refused with the report, then forced.
	bad := t.TempDir()
	copyTree(t, filepath.Join(root, pkg), bad)
	writeTree(t, bad, "submissions/accepted/negative.py", "print(-1)\n")
	out, code = run("problem", "push", bad, "--slug", "absdiff-bad")
	if code != 1 || !strings.Contains(out, "was refused") || !strings.Contains(out, "accepted/negative.py (python3): WA on test") {
		t.Fatalf("push of a failing package = exit %d:\n%s", code, out)
	}
	refused := c.getProblem(t, "/v1/problems/absdiff-bad/versions/1")
	if refused.State != apiv1.ProblemRejected || len(refused.Calibration.Failures) != 1 {
		t.Errorf("refused version = %+v %+v", refused, refused.Calibration)
	}
	if _, err := c.submit(apiv1.SubmissionRequest{Language: "python3", Problem: "absdiff-bad", Source: "print(0)\n"}, "calib-refused"); err == nil ||
		!strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), apiv1.ErrTypeProblemNotReady) {
		t.Errorf("submit to a refused problem: %v, want 409 problem-not-ready", err)
	}
	out, code = run("problem", "push", bad, "--slug", "absdiff-bad", "--force")
	if code != 0 || !strings.Contains(out, "WARN accepted/negative.py") || !strings.Contains(out, "Time limit") {
		t.Fatalf("forced push = exit %d:\n%s", code, out)
	}
	forced := c.getProblem(t, "/v1/problems/absdiff-bad")
	if forced.Version != 2 || forced.State != apiv1.ProblemActive || !forced.Calibration.Forced ||
		forced.Limits.TimeMS != int(p.Limits.ComputeTimeLimit(time.Duration(forced.Calibration.SlowestMS)*time.Millisecond).Milliseconds()) {
		t.Errorf("forced version = %+v %+v", forced, forced.Calibration)
	}
}

func buildJudgectl(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "judgectl")
	build := exec.Command("go", "build", "-o", bin, "./cmd/judgectl")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build judgectl: %v\n%s", err, out)
	}
	return bin
}

// getJSON GETs path from the cluster's first API into v.
func (c *cluster) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.apiURLs[0]+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, b)
	}
}

func (c *cluster) getProblem(t *testing.T, path string) apiv1.Problem {
	t.Helper()
	var p apiv1.Problem
	c.getJSON(t, path, &p)
	return p
}

// waitDone polls submission id until it is done.
func (c *cluster) waitDone(t *testing.T, id string) apiv1.Submission {
	t.Helper()
	var sub apiv1.Submission
	testenv.WaitFor(t, "submission "+id+" done", 3*time.Minute, func() bool {
		c.getJSON(t, "/v1/submissions/"+id, &sub)
		return sub.Status == apiv1.StatusDone
	})
	return sub
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		writeTree(t, dst, filepath.ToSlash(rel), string(data))
		return nil
	})
	if err != nil {
		t.Fatal(fmt.Errorf("copy %s: %w", src, err))
	}
}
