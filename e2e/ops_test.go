package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/apiv1"
)

var refusedGhost = regexp.MustCompile(`(?m)^judge_worker_refused_total\{language="ghost"\} [1-9]`)

// opsReport is the body of /readyz on an ops listener.
type opsReport struct {
	Status string `json:"status"`
	Roles  map[string]struct {
		Ready  bool            `json:"ready"`
		Reason string          `json:"reason"`
		Detail json.RawMessage `json:"detail"`
	} `json:"roles"`
}

// getOps GETs path from an ops listener and returns the status code and body; code 0 when
// nothing answers yet.
func getOps(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s%s: %v", addr, path, err)
	}
	return resp.StatusCode, string(b)
}

func readyReport(t *testing.T, addr string) (int, opsReport) {
	t.Helper()
	code, body := getOps(t, addr, "/readyz")
	var rep opsReport
	if code != 0 {
		if err := json.Unmarshal([]byte(body), &rep); err != nil {
			t.Fatalf("/readyz of %s: %v in %q", addr, err, body)
		}
	}
	return code, rep
}

// TestStandaloneRolesServeOps starts the API, a relay and a worker as separate processes, each
// with its own ops listener, and scrapes /metrics, /healthz and /readyz from every one. The
// worker's language table has a language whose image tag does not exist on the engine: the
// worker must say so in /readyz, judge the other languages, and leave that language's
// submission queued (no IE, no attempt spent).
func TestStandaloneRolesServeOps(t *testing.T) {
	c := newCluster(t)
	langs := filepath.Join(t.TempDir(), "languages.yaml")
	err := os.WriteFile(langs, []byte(`languages:
  - {id: python3, name: Python 3, extensions: [.py], image: base, source_file: main.py, run: [python3, main.py]}
  - {id: ghost, name: Ghost, extensions: [.ghost], image: "judge-runtime-base:tag-that-does-not-exist", source_file: main.ghost, run: ["true"]}
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	tab := "JUDGE_LANGUAGES_FILE=" + langs
	apiAddr, apiOps, relayOps, workerOps := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	c.startEnv([]string{tab, "JUDGE_OPS_LISTEN=" + apiOps}, "api1", "api", "--listen", apiAddr)
	c.apiURLs = append(c.apiURLs, "http://"+apiAddr)
	c.startEnv([]string{"JUDGE_OPS_LISTEN=" + relayOps}, "relay1", "relay", "--slot", c.slot)
	c.startEnv([]string{tab, "JUDGE_OPS_LISTEN=" + workerOps}, "worker1", "worker", "--slots", "2", "--group", "e2e-"+c.slot, "--grace", "10s")

	for _, r := range []struct{ role, addr string }{{"api", apiOps}, {"relay", relayOps}, {"worker", workerOps}} {
		testenv.WaitFor(t, r.role+" /healthz", 60*time.Second, func() bool { code, _ := getOps(t, r.addr, "/healthz"); return code == 200 })
	}
	testenv.WaitFor(t, "api ready on its ops listener", 60*time.Second, func() bool { code, _ := readyReport(t, apiOps); return code == 200 })
	testenv.WaitFor(t, "relay ready (leading)", 60*time.Second, func() bool {
		code, rep := readyReport(t, relayOps)
		return code == 200 && strings.Contains(string(rep.Roles["relay"].Detail), `"state":"leader"`)
	})
	// The worker joins its group and probes, but is not ready: it refuses ghost.
	var worker opsReport
	testenv.WaitFor(t, "worker consuming with probes passing", 90*time.Second, func() bool {
		code, rep := readyReport(t, workerOps)
		worker = rep
		d := string(rep.Roles["worker"].Detail)
		return code == http.StatusServiceUnavailable && strings.Contains(d, `"consuming":true`) &&
			strings.Contains(d, `"database":"ok"`) && strings.Contains(d, `"docker":"ok"`)
	})
	w := worker.Roles["worker"]
	if w.Ready || !strings.Contains(w.Reason, "1 languages refused") || !strings.Contains(string(w.Detail), `"paused":false`) {
		t.Errorf("worker readiness: ready=%v reason=%q detail=%s", w.Ready, w.Reason, w.Detail)
	}
	var detail struct {
		Refused map[string][]string `json:"refused_languages"`
	}
	if err := json.Unmarshal(w.Detail, &detail); err != nil {
		t.Fatal(err)
	}
	if len(detail.Refused) != 1 {
		t.Errorf("refused languages: %v, want ghost alone", detail.Refused)
	}
	for reason, ids := range detail.Refused {
		if fmt.Sprint(ids) != "[ghost]" || !strings.Contains(reason, "judge-runtime-base:tag-that-does-not-exist") {
			t.Errorf("refused %v for %q, want [ghost] for its missing image", ids, reason)
		}
	}

	// Each role's metrics on its own listener: a relay and a worker alone export theirs.
	wantMetrics := map[string][]string{
		apiOps:    {"judge_api_submissions_accepted_total", "go_goroutines"},
		relayOps:  {"judge_relay_lag_seconds_bucket", "judge_relay_published_total", "process_cpu_seconds_total"},
		workerOps: {"judge_worker_paused 0", "judge_worker_languages_refused 1", "judge_worker_infra_faults_total", "go_goroutines"},
	}
	for addr, names := range wantMetrics {
		code, body := getOps(t, addr, "/metrics")
		if code != 200 {
			t.Errorf("%s/metrics: %d", addr, code)
			continue
		}
		for _, n := range names {
			if !strings.Contains(body, n) {
				t.Errorf("%s/metrics lacks %s", addr, n)
			}
		}
	}
	if _, body := getOps(t, relayOps, "/metrics"); strings.Contains(body, "judge_worker_") || strings.Contains(body, "judge_api_") {
		t.Error("the relay exports another role's metrics")
	}
	if code, _ := getOps(t, workerOps, "/nope"); code != http.StatusNotFound {
		t.Errorf("unknown ops path: %d, want 404", code)
	}

	// A Python submission is judged; a ghost submission stays queued, never IE.
	in, want := "21\n", "42\n"
	pyID, err := c.submit(apiv1.SubmissionRequest{Language: "python3", Source: "print(int(input())*2)", Stdin: &in, ExpectedOutput: &want}, fmt.Sprintf("ops-py-%d", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	ghostID, err := c.submit(apiv1.SubmissionRequest{Language: "ghost", Source: "x", Stdin: &in}, fmt.Sprintf("ops-ghost-%d", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "python submission judged", 90*time.Second, func() bool {
		var status string
		var verdict *string
		err := c.db.QueryRow(`SELECT status, verdict FROM submissions WHERE id = $1`, pyID).Scan(&status, &verdict)
		return err == nil && status == "done" && verdict != nil && *verdict == "AC"
	})
	testenv.WaitFor(t, "the worker refusing the ghost message", 60*time.Second, func() bool {
		_, body := getOps(t, workerOps, "/metrics")
		// At least once: a rebalance may deliver the message again before its offset is committed.
		return refusedGhost.MatchString(body)
	})
	var status string
	var verdict *string
	var attempt int
	if err := c.db.QueryRow(`SELECT status, verdict, attempt FROM submissions WHERE id = $1`, ghostID).Scan(&status, &verdict, &attempt); err != nil {
		t.Fatal(err)
	}
	if status != "queued" || verdict != nil || attempt != 1 {
		t.Errorf("ghost submission: status %s, verdict %v, attempt %d; want queued at attempt 1 without a verdict", status, verdict, attempt)
	}
}
