package e2e

import (
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
)

// TestKillActiveRelayMidStream kills -9 the relay holding the leader lock while submissions
// stream in; the standby takes over from the slot (it becomes the holder) and nothing is lost
// or judged twice.
func TestKillActiveRelayMidStream(t *testing.T) {
	c := newCluster(t)
	c.startAPI("api1")
	r1 := c.startRelay("relay1")
	r2 := c.startRelay("relay2")
	c.startWorker("worker1", 2)
	jobs := workload(longLoad(40))
	var killed, standby *proc
	ids := send(t, c, jobs, 8, func(i int) {
		if i != len(jobs)/3 || killed != nil {
			return
		}
		holder := c.relayHolder(t)
		for _, p := range []*proc{r1, r2} {
			if strings.HasSuffix(holder, fmt.Sprintf("-%d", p.cmd.Process.Pid)) {
				t.Logf("killing the active relay %s (%s) after %d submissions", p.name, holder, i+1)
				c.kill(p.name, syscall.SIGKILL)
				killed = p
			} else {
				standby = p
			}
		}
	})
	if killed == nil {
		t.Fatal("no active relay was found to kill")
	}
	check(t, c, jobs, ids, 5*time.Minute)
	// Everything sent after the kill was published by the standby.
	if holder := c.relayHolder(t); !strings.HasSuffix(holder, fmt.Sprintf("-%d", standby.cmd.Process.Pid)) {
		t.Errorf("relay_state holder %s after the kill, want the standby %s", holder, standby.name)
	}
	if !standby.logged("relay is the leader") {
		t.Errorf("the standby %s never became the leader", standby.name)
	}
}

// relayHolder waits for relay_state and returns the active relay's name (host-pid).
func (c *cluster) relayHolder(t *testing.T) string {
	t.Helper()
	var holder string
	testenv.WaitFor(t, "relay_state", 30*time.Second, func() bool {
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
	jobs := workload(longLoad(40))
	var killed atomic.Bool
	var inFlight []string // submissions worker1 was running when it was killed
	suffix := fmt.Sprintf("%%-%d", w1.cmd.Process.Pid)
	killRunning := func() bool {
		ids, err := c.idsWhere(`status = 'running' AND worker LIKE $1`, suffix)
		if err != nil {
			t.Errorf("list running: %v", err)
			return false
		}
		if len(ids) == 0 {
			return false
		}
		t.Logf("killing worker1 with %d submissions running", len(ids))
		c.kill("worker1", syscall.SIGKILL)
		inFlight = ids
		killed.Store(true)
		return true
	}
	ids := send(t, c, jobs, 6, func(i int) {
		if i >= len(jobs)/3 && !killed.Load() {
			killRunning()
		}
	})
	if !killed.Load() {
		// No run of worker1 was seen in flight while submissions were sent (the quick programs
		// are judged in milliseconds): send slow ones, which hold a slot for seconds, until
		// worker1 runs one.
		t.Log("worker1 had no run in flight during sending; sending slow submissions until it has one")
		slow := workloadOf([]program{{"python3", "import time\ntime.sleep(3)\nprint(int(input())*2)", "AC", nil}}, 8)
		ids = append(ids, send(t, c, slow, 0, nil)...)
		jobs = append(jobs, slow...)
		testenv.WaitFor(t, "worker1 running a submission", 60*time.Second, killRunning)
	}
	check(t, c, jobs, ids, 5*time.Minute)
	// The runs in flight were re-queued by the reaper and judged again: a new attempt. (One
	// of them may have committed its result in the instant before the kill.)
	again, err := c.idsWhere(`id = ANY($1::uuid[]) AND attempt > 1`, "{"+strings.Join(inFlight, ",")+"}")
	if err != nil || len(again) == 0 {
		t.Errorf("none of the %d submissions in flight on the killed worker got a new attempt (%v)", len(inFlight), err)
	}
}

// idsWhere lists the ids of the submissions matching where.
func (c *cluster) idsWhere(where string, args ...any) ([]string, error) {
	rows, err := c.db.Query(`SELECT id FROM submissions WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
