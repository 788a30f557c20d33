package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
)

// TestDockerEngineStopUnderLoad really stops the stack's Docker engine for 30 s while a few
// hundred submissions are in flight (scripts/stack-docker.sh down, then up): every sandbox
// container dies with it, both workers pause, their runs are handed back without spending
// attempts, and every submission still ends exactly once with its verdict.
//
// It stops the engine every other test on the machine uses, so it runs only when asked twice:
// JUDGE_LONG_TESTS=1 and JUDGE_STOP_DOCKER=1, and only when the engine is the dockerd the stack
// started itself (its pid file in the stack directory). Run it alone:
//
//	JUDGE_LONG_TESTS=1 JUDGE_STOP_DOCKER=1 go test -p 1 -run TestDockerEngineStopUnderLoad ./e2e
//
// The default suite proves the same recovery without touching the shared engine: the Docker
// fault of TestDeliveryFaultsUnderLoad cuts one worker's socket proxy instead.
func TestDockerEngineStopUnderLoad(t *testing.T) {
	if os.Getenv("JUDGE_LONG_TESTS") != "1" || os.Getenv("JUDGE_STOP_DOCKER") != "1" {
		t.Skip("stops the shared Docker engine: set JUDGE_LONG_TESTS=1 and JUDGE_STOP_DOCKER=1 and run it alone (see README)")
	}
	const outage = 30 * time.Second
	dir := stackDir()
	host := testenv.DockerHost(t)
	if pid, err := os.ReadFile(filepath.Join(dir, "dockerd.pid")); err != nil {
		t.Skipf("the Docker engine at %s was not started by the stack in %s (%v): not this test's to stop", host, dir, err)
	} else if cmdline, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/cmdline"); err != nil || !strings.Contains(string(cmdline), "dockerd") {
		t.Skipf("the stack's dockerd (pid %s) is not running: not this test's to stop", strings.TrimSpace(string(pid)))
	}
	engine := func(action string) error {
		cmd := exec.Command(filepath.Join("..", "scripts", "stack-docker.sh"), action)
		cmd.Env = append(os.Environ(), "JUDGE_STACK_DIR="+dir, "JUDGE_STACK_DOCKER_HOST="+host)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("stack-docker.sh %s: %v\n%s", action, err, out)
		}
		return nil
	}

	c := newCluster(t)
	c.env = append(c.env, "JUDGE_HEALTH_INTERVAL=500ms")
	c.startAPI("api1")
	c.startRelay("relay1")
	workers := []*proc{c.startWorker("worker1", 2), c.startWorker("worker2", 2)}
	// Registered after the cluster's own cleanup, so it runs first: the engine is back before
	// the workers are stopped and the test's containers and topic are removed.
	stopped := false
	t.Cleanup(func() {
		if stopped {
			if err := engine("up"); err != nil {
				t.Errorf("restoring the Docker engine: %v", err)
			}
		}
	})

	jobs := workloadOf(faultPrograms, longLoad(300))
	// Slow submissions, sent just before the stop, hold runs in flight for seconds: the quick
	// programs are judged in milliseconds and could all be done by the time the engine stops.
	slow := workloadOf([]program{{"python3", "import time\ntime.sleep(3)\nprint(int(input())*2)", "AC", nil}}, 4)
	var slowIDs []string
	ids := send(t, c, jobs, 8, func(i int) {
		if i != len(jobs)/3 {
			return
		}
		slowIDs = send(t, c, slow, 0, nil)
		testenv.WaitFor(t, "a slow submission running", 60*time.Second, func() bool {
			var running int
			return c.db.QueryRow(`SELECT count(*) FROM submissions WHERE status = 'running' AND id = ANY($1::uuid[])`,
				"{"+strings.Join(slowIDs, ",")+"}").Scan(&running) == nil && running > 0
		})
		t.Logf("after %d submissions: stopping the Docker engine for %s", i+1, outage)
		stopped = true
		if err := engine("down"); err != nil {
			t.Fatal(err)
		}
		for _, w := range workers {
			testenv.WaitFor(t, w.name+" pausing", 30*time.Second, func() bool { return w.logged("infrastructure unhealthy") })
		}
		time.Sleep(outage)
		if err := engine("up"); err != nil {
			t.Fatal(err)
		}
		stopped = false
		for _, w := range workers {
			testenv.WaitFor(t, w.name+" resuming", 60*time.Second, func() bool { return w.logged("infrastructure healthy again") })
		}
		t.Log("the Docker engine is back")
	})
	check(t, c, append(jobs, slow...), append(ids, slowIDs...), 10*time.Minute)

	var infra, spent int
	if err := c.db.QueryRow(`SELECT count(*) FILTER (WHERE infra_retries > 0), count(*) FILTER (WHERE infra_retries > 0 AND attempt - infra_retries > 1)
		FROM submissions`).Scan(&infra, &spent); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d submissions handed back for the engine's outage", infra)
	if infra == 0 {
		t.Error("no submission was handed back for an infrastructure fault: the engine stopped under no run")
	}
	if spent != 0 {
		t.Errorf("%d submissions handed back for the engine's outage spent an attempt on it", spent)
	}
}

// stackDir is the directory of the stack the tests run against: JUDGE_STACK_DIR, else the
// directory of JUDGE_STACK_FILE, else the checkout's .stack.
func stackDir() string {
	if d := os.Getenv("JUDGE_STACK_DIR"); d != "" {
		return d
	}
	if f := os.Getenv("JUDGE_STACK_FILE"); f != "" {
		return filepath.Dir(f)
	}
	return filepath.Join("..", ".stack")
}
