package e2e

import (
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestKillActiveRelayMidStream kills -9 the relay holding the leader lock while submissions
// stream in; the standby takes over from the slot and nothing is lost or judged twice.
func TestKillActiveRelayMidStream(t *testing.T) {
	c := newCluster(t)
	c.startAPI("api1")
	r1 := c.startRelay("relay1")
	r2 := c.startRelay("relay2")
	c.startWorker("worker1", 2)
	jobs := workload(workloadSize(40))
	var killed atomic.Bool
	ids := send(t, c, jobs, 8, func(i int) {
		if i != len(jobs)/3 || killed.Load() {
			return
		}
		holder := c.relayHolder(t)
		for _, p := range []*proc{r1, r2} {
			if strings.HasSuffix(holder, fmt.Sprintf("-%d", p.cmd.Process.Pid)) {
				t.Logf("killing the active relay %s (%s) after %d submissions", p.name, holder, i+1)
				c.kill(p.name, syscall.SIGKILL)
				killed.Store(true)
			}
		}
	})
	if !killed.Load() {
		t.Fatal("no active relay was found to kill")
	}
	check(t, c, jobs, ids, 5*time.Minute)
}

// relayHolder waits for relay_state and returns the active relay's name (host-pid).
func (c *cluster) relayHolder(t *testing.T) string {
	t.Helper()
	var holder string
	waitFor(t, "relay_state", 30*time.Second, func() bool {
		return c.db.QueryRow(`SELECT holder FROM relay_state`).Scan(&holder) == nil
	})
	return holder
}

// TestKillWorkerWithRunsInFlight kills -9 a worker while it judges; its leases expire, the
// reaper in the other worker re-queues them and each submission still ends exactly once.
func TestKillWorkerWithRunsInFlight(t *testing.T) {
	c := newCluster(t)
	c.startAPI("api1")
	c.startRelay("relay1")
	w1 := c.startWorker("worker1", 2)
	c.startWorker("worker2", 2)
	jobs := workload(workloadSize(40))
	var killed atomic.Bool
	ids := send(t, c, jobs, 6, func(i int) {
		if i < len(jobs)/3 || killed.Load() {
			return
		}
		var running int
		suffix := fmt.Sprintf("%%-%d", w1.cmd.Process.Pid)
		if err := c.db.QueryRow(`SELECT count(*) FROM submissions WHERE status = 'running' AND worker LIKE $1`, suffix).Scan(&running); err != nil {
			t.Errorf("count running: %v", err)
			return
		}
		if running > 0 {
			t.Logf("killing worker1 with %d submissions running", running)
			c.kill("worker1", syscall.SIGKILL)
			killed.Store(true)
		}
	})
	if !killed.Load() {
		// The worker never had a run in flight while submissions were sent: kill it now
		// anyway, the rest of the test still holds.
		t.Log("worker1 had no run in flight during sending; killing it now")
		c.kill("worker1", syscall.SIGKILL)
	}
	check(t, c, jobs, ids, 5*time.Minute)
}
