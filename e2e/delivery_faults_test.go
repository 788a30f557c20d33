package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/cdc"
)

// faultPrograms are quick to judge, so a few hundred fit in the test's time, plus one that
// sleeps so runs are in flight when the Docker engine goes away.
var faultPrograms = []program{
	{"python3", "print(int(input())*2)", "AC", nil},
	{"python3", "print(int(input())*3)", "WA", nil},
	{"python3", "import sys\nsys.exit(3)", "RE", nil},
	{"c", "#include <stdio.h>\nint main(void){int x;scanf(\"%d\",&x);printf(\"%d\\n\",2*x);return 0;}", "AC", nil},
	{"python3", "import time\ntime.sleep(1)\nprint(int(input())*2)", "AC", nil},
}

// faultLoad is how many submissions TestDeliveryFaultsUnderLoad sends: E2E_N, else 400 with
// JUDGE_LONG_TESTS=1, else 300.
func faultLoad() int {
	if os.Getenv("JUDGE_LONG_TESTS") == "1" {
		return workloadSize(400)
	}
	return workloadSize(300)
}

// TestDeliveryFaultsUnderLoad breaks the delivery path in every way PostgreSQL and Kafka can lose
// a submission while a few hundred are in flight, and checks both that each fault's recovery
// path ran (a recorded repair, re-dispatches, a paused worker, infrastructure re-queues) and
// that every submission still ends exactly once with its verdict (no IE):
//
//  1. the replication slot dropped behind the relay's back;
//  2. the publication altered to lose the outbox table while the relays are frozen, and the
//     outbox rows written meanwhile deleted: only the reconciler's re-dispatch can save those;
//  3. the Kafka topic deleted and recreated while the workers are frozen, losing every record
//     not yet consumed: re-dispatched again;
//  4. the Docker engine unavailable to one worker for 30 s (a socket proxy cut, so the
//     shared engine keeps running for the other packages' tests): the worker pauses and hands
//     its runs back without spending their attempts;
//  5. the leading relay's lock connection terminated: it loses the lead, and a new term (of
//     either relay) resumes from the slot.
func TestDeliveryFaultsUnderLoad(t *testing.T) {
	c := newCluster(t)
	c.env = append(c.env, "JUDGE_REDISPATCH_AFTER=5s", "JUDGE_RELAY_CHECK_INTERVAL=1s", "JUDGE_HEALTH_INTERVAL=500ms")
	docker := startDockerProxy(t)
	c.startAPI("api1")
	c.startAPI("api2")
	relays := []*proc{c.startRelay("relay1"), c.startRelay("relay2")}
	workers := []*proc{
		c.startWorker("worker1", 2),
		c.startEnv([]string{"JUDGE_DOCKER_HOST=unix://" + docker.path}, "worker2",
			"worker", "--slots", "2", "--group", "e2e-"+c.slot, "--grace", "10s"),
	}
	// A stopped process must be continued before the cluster's SIGTERM can stop it.
	t.Cleanup(func() {
		for _, p := range append(relays, workers...) {
			p.cmd.Process.Signal(syscall.SIGCONT)
		}
	})

	const extra = 10 // submissions sent by phases 2 and 3 each
	const dockerOutage = 30 * time.Second
	lockCut := false
	n := faultLoad()
	jobs := workloadOf(faultPrograms, n+2*extra)
	stranded := jobs[n : n+extra] // phase 2
	unconsumed := jobs[n+extra:]  // phase 3
	var strandedIDs, unconsumedIDs []string
	submitAll := func(js []job) []string {
		var ids []string
		for _, j := range js {
			id, err := c.submit(j.req, j.key)
			if err != nil {
				t.Fatalf("submit: %v", err)
			}
			ids = append(ids, id)
		}
		return ids
	}

	ids := send(t, c, jobs[:n], 8, func(i int) {
		switch i {
		case n / 6:
			t.Logf("fault 1 after %d submissions: dropping the replication slot", i+1)
			before := c.relayHealth(t)
			c.dropSlot(t)
			c.waitRepair(t, before, "slot was missing")

		case 2 * n / 6:
			t.Logf("fault 2 after %d submissions: relays frozen, publication altered, outbox rows deleted", i+1)
			before := c.relayHealth(t)
			signal(relays, syscall.SIGSTOP)
			if _, err := c.db.Exec(`ALTER PUBLICATION ` + cdc.DefaultPublication + ` DROP TABLE dispatch`); err != nil {
				t.Fatal(err)
			}
			strandedIDs = submitAll(stranded)
			res, err := c.db.Exec(`DELETE FROM dispatch WHERE submission_id = ANY($1::uuid[])`, "{"+strings.Join(strandedIDs, ",")+"}")
			if err != nil {
				t.Fatal(err)
			}
			if gone, _ := res.RowsAffected(); gone != extra {
				t.Fatalf("deleted %d outbox rows of the %d stranded submissions", gone, extra)
			}
			signal(relays, syscall.SIGCONT)
			c.waitRepair(t, before, "lacks the dispatch table")

		case 3 * n / 6:
			t.Logf("fault 3 after %d submissions: workers frozen, topic deleted and recreated", i+1)
			signal(workers, syscall.SIGSTOP)
			// A fetch the workers sent before they froze is still open at the broker for up
			// to Consumer.MaxWaitTime and would carry the first new records into their
			// socket buffers: let it expire empty first.
			time.Sleep(time.Second)
			unconsumedIDs = submitAll(unconsumed)
			list := "{" + strings.Join(unconsumedIDs, ",") + "}"
			testenv.WaitFor(t, "the unconsumed submissions published", 60*time.Second, func() bool {
				var left int
				err := c.db.QueryRow(`SELECT count(*) FROM dispatch WHERE submission_id = ANY($1::uuid[])`, list).Scan(&left)
				return err == nil && left == 0
			})
			testenv.RecreateTopic(t, c.topic(), 6)
			signal(workers, syscall.SIGCONT)

		case 4 * n / 6:
			pid := workers[1].cmd.Process.Pid
			testenv.WaitFor(t, "worker2 running a submission", 60*time.Second, func() bool {
				var running int
				err := c.db.QueryRow(`SELECT count(*) FROM submissions WHERE status = 'running' AND worker LIKE $1`,
					fmt.Sprintf("%%-%d", pid)).Scan(&running)
				return err == nil && running > 0
			})
			t.Logf("fault 4 after %d submissions: Docker unavailable to worker2 for %s", i+1, dockerOutage)
			docker.cut()
			testenv.WaitFor(t, "worker2 pausing", 30*time.Second, func() bool { return workers[1].logged("infrastructure unhealthy") })
			time.Sleep(dockerOutage)
			docker.restore(t)
			testenv.WaitFor(t, "worker2 resuming", 30*time.Second, func() bool { return workers[1].logged("infrastructure healthy again") })

		case 5 * n / 6:
			count := func(s string) (n int) {
				for _, r := range relays {
					n += r.count(s)
				}
				return n
			}
			terms, lost := count("relay is the leader"), count("leader lock connection lost")
			t.Logf("fault 5 after %d submissions: the leader's lock connection terminated (%d terms so far)", i+1, terms)
			testenv.WaitFor(t, "the lock connection terminated", 30*time.Second, func() bool {
				var cut int
				err := c.db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_locks
					WHERE locktype = 'advisory' AND granted AND objsubid = 1
					AND objid::text::bigint = hashtext($1)::bigint & 4294967295
					AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
					"judge.relay:"+c.slot).Scan(&cut)
				return err == nil && cut == 1
			})
			// The leader must notice on its own (its lock connection is gone) and a new term,
			// of either relay, must start.
			testenv.WaitFor(t, "the leader noticing its lost lock and a new relay term", 60*time.Second, func() bool {
				return count("leader lock connection lost") > lost && count("relay is the leader") > terms
			})
			lockCut = true
		}
	})
	ids = append(append(ids, strandedIDs...), unconsumedIDs...)
	check(t, c, jobs, ids, 5*time.Minute)

	// The recovery paths ran, not only the happy path.
	for _, set := range []struct {
		what string
		ids  []string
	}{{"outbox rows deleted", strandedIDs}, {"Kafka records deleted", unconsumedIDs}} {
		var redispatched int
		err := c.db.QueryRow(`SELECT count(*) FROM submissions WHERE id = ANY($1::uuid[]) AND redispatches > 0`,
			"{"+strings.Join(set.ids, ",")+"}").Scan(&redispatched)
		if err != nil || redispatched != len(set.ids) {
			t.Errorf("%s: %d of %d submissions were re-dispatched by the reconciler (%v)", set.what, redispatched, len(set.ids), err)
		}
	}
	var infra int
	if err := c.db.QueryRow(`SELECT count(*) FROM submissions WHERE infra_retries > 0`).Scan(&infra); err != nil || infra == 0 {
		t.Errorf("no submission was handed back for an infrastructure fault (%v): the Docker outage hit no run", err)
	}
	// A hand-back for an infrastructure fault costs no attempt: attempt counts every try,
	// infra_retries the free ones.
	var spent int
	if err := c.db.QueryRow(`SELECT count(*) FROM submissions WHERE infra_retries > 0 AND attempt - infra_retries > 1`).Scan(&spent); err != nil || spent != 0 {
		t.Errorf("%d submissions handed back for the Docker outage spent an attempt on it (%v)", spent, err)
	}
	if !lockCut {
		t.Error("the lock connection was never cut")
	}
	h := c.relayHealth(t)
	t.Logf("relay health at the end: %+v; %d submissions re-queued for infrastructure faults", h, infra)
	if h.Repairs < 2 || h.Redispatched < 2*extra {
		t.Errorf("relay health %+v: want ≥2 repairs and ≥%d re-dispatches", h, 2*extra)
	}
	waitEmptyOutbox(t, c)
}

// waitEmptyOutbox waits until the outbox is empty: rows published before a term change, or
// made obsolete, do not stay behind.
func waitEmptyOutbox(t *testing.T, c *cluster) {
	t.Helper()
	testenv.WaitFor(t, "an empty outbox", 90*time.Second, func() bool {
		var left int
		return c.db.QueryRow(`SELECT count(*) FROM dispatch`).Scan(&left) == nil && left == 0
	})
}

func signal(ps []*proc, sig syscall.Signal) {
	for _, p := range ps {
		p.cmd.Process.Signal(sig)
	}
}

// logged reports whether the process's log contains s.
func (p *proc) logged(s string) bool {
	b, err := os.ReadFile(p.log)
	return err == nil && strings.Contains(string(b), s)
}

// loggedLine reports whether one line of the process's log contains every one of subs.
func (p *proc) loggedLine(subs ...string) bool {
	b, _ := os.ReadFile(p.log)
	for line := range strings.Lines(string(b)) {
		if !slices.ContainsFunc(subs, func(s string) bool { return !strings.Contains(line, s) }) {
			return true
		}
	}
	return false
}

// count is how many lines of the process's log contain s.
func (p *proc) count(s string) int {
	b, _ := os.ReadFile(p.log)
	return strings.Count(string(b), s)
}

// topic is the cluster's Kafka topic.
func (c *cluster) topic() string {
	for i := len(c.env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(c.env[i], "JUDGE_KAFKA_TOPIC="); ok {
			return v
		}
	}
	c.t.Fatal("no JUDGE_KAFKA_TOPIC in the cluster's environment")
	return ""
}

// relayHealth reads the relay's health from an API replica's /readyz.
func (c *cluster) relayHealth(t *testing.T) apiv1.RelayHealth {
	t.Helper()
	var h apiv1.RelayHealth
	testenv.WaitFor(t, "relay health in /readyz", 30*time.Second, func() bool {
		resp, err := http.Get(c.apiURLs[0] + "/readyz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var r apiv1.Readiness
		if json.NewDecoder(resp.Body).Decode(&r) != nil {
			return false
		}
		for _, rh := range r.Relays {
			if rh.Slot == c.slot {
				h = rh
				return true
			}
		}
		return false
	})
	return h
}

// waitRepair waits until /readyz shows a repair after before whose description contains what.
func (c *cluster) waitRepair(t *testing.T, before apiv1.RelayHealth, what string) {
	t.Helper()
	testenv.WaitFor(t, "a repair: "+what, 60*time.Second, func() bool {
		h := c.relayHealth(t)
		return h.Repairs > before.Repairs && strings.Contains(h.LastRepair, what) && h.Healthy
	})
	t.Logf("repaired: %s", c.relayHealth(t).LastRepair)
}

// dropSlot drops the relay's slot behind its back: its walsender is terminated first, and a
// relay reconnects within a second, so this retries.
func (c *cluster) dropSlot(t *testing.T) {
	t.Helper()
	testenv.WaitFor(t, "the slot dropped", 30*time.Second, func() bool {
		_, err := c.db.Exec(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`, c.slot)
		if err == nil {
			_, err = c.db.Exec(`SELECT pg_drop_replication_slot($1)`, c.slot)
		}
		return err == nil
	})
}

// dockerProxy forwards a unix socket to the stack's Docker engine until cut, which also drops
// every open connection: the engine going away, as one worker sees it, while the shared
// engine keeps running for everyone else.
type dockerProxy struct {
	path   string
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func startDockerProxy(t *testing.T) *dockerProxy {
	t.Helper()
	target, ok := strings.CutPrefix(testenv.DockerHost(t), "unix://")
	if !ok {
		t.Skipf("the Docker engine is not on a unix socket (%s): no proxy to cut", testenv.DockerHost(t))
	}
	// Socket paths are limited to about 100 bytes: t.TempDir() can be longer.
	dir, err := os.MkdirTemp("", "judge-docker-")
	if err != nil {
		t.Fatal(err)
	}
	p := &dockerProxy{path: filepath.Join(dir, "docker.sock"), target: target, conns: map[net.Conn]bool{}}
	p.restore(t)
	t.Cleanup(func() { p.cut(); os.RemoveAll(dir) })
	return p
}

// restore listens again.
func (p *dockerProxy) restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("unix", p.path)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(conn)
		}
	}()
}

func (p *dockerProxy) pipe(down net.Conn) {
	up, err := net.Dial("unix", p.target)
	if err != nil {
		down.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // cut meanwhile
		p.mu.Unlock()
		down.Close()
		up.Close()
		return
	}
	p.conns[down], p.conns[up] = true, true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, down)
		delete(p.conns, up)
		p.mu.Unlock()
		down.Close()
		up.Close()
	}()
	go func() {
		io.Copy(up, down)
		// Docker's attach streams half-close: pass the client's end of input on.
		if uc, ok := up.(*net.UnixConn); ok {
			uc.CloseWrite()
		}
	}()
	io.Copy(down, up)
}

// cut stops listening and drops every connection.
func (p *dockerProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for conn := range p.conns {
		conn.Close()
	}
	clear(p.conns)
}

// TestInvalidatedSlotIsRecreated lets the relay's slot be invalidated the way a long Kafka outage
// does it (max_slot_wal_keep_size crossed while the relay cannot confirm), on a PostgreSQL of the
// test's own: the relay must notice wal_status 'lost', recreate the slot, and backfill the outbox
// rows the lost WAL carried, so every submission still ends once.
func TestInvalidatedSlotIsRecreated(t *testing.T) {
	s := newPrivatePostgres(t)
	c := newClusterOn(t, s.dsn(), testenv.KafkaBrokers(t), testenv.NewTopic(t, 6), "judge_relay")
	c.env = append(c.env, "JUDGE_RELAY_CHECK_INTERVAL=1s")
	if _, err := c.db.Exec(`ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.Exec(`SELECT pg_reload_conf()`); err != nil {
		t.Fatal(err)
	}
	c.startAPI("api1")
	relay := c.startRelay("relay1")
	c.startWorker("worker1", 2)
	t.Cleanup(func() { relay.cmd.Process.Signal(syscall.SIGCONT) })

	const extra = 10
	n := longLoad(60)
	jobs := workloadOf(faultPrograms[:4], n+extra)
	var frozenIDs []string
	ids := send(t, c, jobs[:n], 8, func(i int) {
		if i != n/2 {
			return
		}
		before := c.relayHealth(t)
		t.Logf("after %d submissions: relay frozen, WAL written past max_slot_wal_keep_size", i+1)
		relay.cmd.Process.Signal(syscall.SIGSTOP)
		if _, err := c.db.Exec(`CREATE TABLE wal_filler (x text)`); err != nil {
			t.Fatal(err)
		}
		testenv.WaitFor(t, "the slot invalidated", 60*time.Second, func() bool {
			for _, q := range []string{`INSERT INTO wal_filler SELECT repeat('x', 1000) FROM generate_series(1, 3000)`,
				`SELECT pg_switch_wal()`, `CHECKPOINT`} {
				if _, err := c.db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			var status string
			err := c.db.QueryRow(`SELECT coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = $1`, c.slot).Scan(&status)
			return err == nil && status == "lost"
		})
		// Written after the slot was lost, these rows' WAL can reach no relay (the walsender of an
		// invalidated slot is gone, and nothing was buffered for the frozen relay): only the
		// backfill of the repair can publish them.
		for _, j := range jobs[n:] {
			id, err := c.submit(j.req, j.key)
			if err != nil {
				t.Fatal(err)
			}
			frozenIDs = append(frozenIDs, id)
		}
		relay.cmd.Process.Signal(syscall.SIGCONT)
		c.waitRepair(t, before, "slot was invalidated")
	})
	check(t, c, jobs, append(ids, frozenIDs...), 5*time.Minute)
	if h := c.relayHealth(t); h.Backfilled < extra {
		t.Errorf("relay health %+v: want the %d rows written while the relay was frozen backfilled", h, extra)
	}
}
