package api_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// TestSchemathesisFindsNo5xx fuzzes a real API server (real PostgreSQL, the real listener)
// with schemathesis against api/openapi.yaml: valid and invalid requests for every operation of
// /v1 and /judge0, bounded in count (scripts/schemathesis.sh, 25 examples per operation by
// default) and time, on loopback. Not one answer may be a 5xx. A stand-in worker finishes
// every queued submission at once, so ?wait= answers quickly.
//
// scripts/schemathesis.sh creates its virtualenv (~/.cache/judge/schemathesis, schemathesis
// pinned) on first use; without python3-venv or PyPI the test skips, unless
// JUDGE_REQUIRE_SCHEMATHESIS=1 or JUDGE_REQUIRE_STACK=1 (make test) makes that a failure.
func TestSchemathesisFindsNo5xx(t *testing.T) {
	if testing.Short() {
		t.Skip("fuzzing takes minutes; not in -short")
	}
	script, err := filepath.Abs("../../scripts/schemathesis.sh")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(script, "install").CombinedOutput(); err != nil {
		if os.Getenv("JUDGE_REQUIRE_SCHEMATHESIS") == "1" || os.Getenv("JUDGE_REQUIRE_STACK") == "1" {
			t.Fatalf("schemathesis install: %v\n%s", err, out)
		}
		t.Skipf("schemathesis cannot be installed here (%v): %s", err, out)
	}
	e := newEnv(t, envOpts{limits: api.Limits{SubmitRate: -1}})
	pushProblem(t, e, "sum")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.api.Serve(ctx, ln, time.Second) }()
	go finishEverything(ctx, e.st)
	t.Cleanup(func() {
		cancel()
		<-served
	})

	max := "25"
	if v := os.Getenv("JUDGE_SCHEMATHESIS_EXAMPLES"); v != "" {
		max = v
	}
	fctx, fcancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer fcancel()
	args := []string{"run", "http://" + ln.Addr().String(), e.admin, max,
		"--workers", "1", "--seed", "14", "--generation-database", "none", "--suppress-health-check", "filter_too_much,too_slow"}
	// JUDGE_SCHEMATHESIS_ARGS replaces the checks and phases, e.g. to look at which valid requests
	// are refused: "--checks positive_data_acceptance --mode positive".
	if extra := os.Getenv("JUDGE_SCHEMATHESIS_ARGS"); extra != "" {
		args = append(args, strings.Fields(extra)...)
	} else {
		args = append(args, "--checks", "not_a_server_error", "--phases", "examples,coverage,fuzzing")
	}
	cmd := exec.CommandContext(fctx, script, args...)
	cmd.Dir = t.TempDir() // schemathesis keeps a cache of examples in its working directory
	out, err := cmd.CombinedOutput()
	t.Logf("schemathesis:\n%s", tail(string(out), 60))
	if dir := os.Getenv("JUDGE_SCHEMATHESIS_LOG"); dir != "" {
		_ = os.WriteFile(dir, out, 0o644)
	}
	if err != nil {
		t.Fatalf("schemathesis found failures (or did not finish): %v", err)
	}
	if !strings.Contains(string(out), "passed") {
		t.Fatalf("schemathesis printed no summary")
	}
	var accepted int
	if err := e.st.DB().QueryRow(`SELECT count(*) FROM submissions`).Scan(&accepted); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d submissions were accepted during the run", accepted)
}

// finishEverything is a stand-in worker: it claims and finishes every queued submission.
func finishEverything(ctx context.Context, st *store.Store) {
	for ctx.Err() == nil {
		rows, err := st.DB().QueryContext(ctx, `SELECT id, attempt FROM submissions WHERE status = 'queued'`)
		if err == nil {
			type claim struct {
				id      string
				attempt int
			}
			var cs []claim
			for rows.Next() {
				var c claim
				if rows.Scan(&c.id, &c.attempt) == nil {
					cs = append(cs, c)
				}
			}
			rows.Close()
			for _, c := range cs {
				cl, ok, err := st.ClaimSubmission(ctx, c.id, c.attempt, "fuzz-worker", time.Minute)
				if err == nil && ok {
					_, _ = st.FinishSubmission(ctx, cl.Claim, store.Verdict{Verdict: apiv1.VerdictAC})
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
