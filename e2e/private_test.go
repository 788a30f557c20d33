package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/queue"
)

// privateStack is a PostgreSQL cluster and a Kafka broker of the test's own, started with the
// stack scripts on free ports, so a fault test can stop and restart them without disturbing
// anyone else's tests on the shared stack.
type privateStack struct {
	t       *testing.T
	dir     string
	env     []string
	pgPort  int
	brokers []string
}

func newPrivateStack(t *testing.T) *privateStack { return startPrivateStack(t, true) }

// newPrivatePostgres is newPrivateStack without a Kafka broker of its own: for faults of
// PostgreSQL only, with the shared broker.
func newPrivatePostgres(t *testing.T) *privateStack { return startPrivateStack(t, false) }

func startPrivateStack(t *testing.T, kafka bool) *privateStack {
	t.Helper()
	if testing.Short() {
		t.Skip("fault test: starts its own PostgreSQL (and Kafka)")
	}
	testenv.Image(t, "base")
	dir, err := os.MkdirTemp("/tmp", "judge-e2e-stack-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // the postgres user must reach the data directory
	ports := freePorts(t, 3)
	s := &privateStack{t: t, dir: dir, pgPort: ports[0], brokers: []string{fmt.Sprintf("127.0.0.1:%d", ports[1])}}
	s.env = append(os.Environ(),
		"JUDGE_STACK_DIR="+dir,
		fmt.Sprintf("JUDGE_STACK_PG_PORT=%d", ports[0]),
		fmt.Sprintf("JUDGE_STACK_KAFKA_PORT=%d", ports[1]),
		fmt.Sprintf("JUDGE_STACK_KAFKA_CONTROLLER_PORT=%d", ports[2]),
		"JUDGE_STACK_KAFKA_HEAP=384m",
	)
	t.Cleanup(func() {
		if kafka {
			s.script("stack-kafka.sh", "down")
		}
		s.script("stack-postgres.sh", "down")
		if alt, err := os.ReadFile(filepath.Join(dir, "pg.path")); err == nil {
			os.RemoveAll(filepath.Dir(strings.TrimSpace(string(alt))))
		}
		os.RemoveAll(dir)
	})
	s.mustScript("stack-postgres.sh", "up")
	if kafka {
		s.mustScript("stack-kafka.sh", "up")
	}
	return s
}

func (s *privateStack) dsn() string {
	return fmt.Sprintf("postgres://judge@127.0.0.1:%d/judge?sslmode=disable", s.pgPort)
}

// script runs one of the stack scripts against this stack.
func (s *privateStack) script(name string, args ...string) error {
	cmd := exec.Command(filepath.Join("..", "scripts", name), args...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func (s *privateStack) mustScript(name string, args ...string) {
	s.t.Helper()
	if err := s.script(name, args...); err != nil {
		s.t.Fatal(err)
	}
}

func (s *privateStack) cluster(t *testing.T) *cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := queue.EnsureTopic(ctx, s.brokers, queue.DefaultTopic, 6); err != nil {
		t.Fatal(err)
	}
	return newClusterOn(t, s.dsn(), s.brokers, queue.DefaultTopic, "judge_relay")
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		addr := freeAddr(t)
		var p int
		fmt.Sscanf(addr[strings.LastIndex(addr, ":")+1:], "%d", &p)
		ports = append(ports, p)
	}
	return ports
}

// longLoad is how many submissions a fault test on a private stack sends: E2E_N, else 300
// with JUDGE_LONG_TESTS=1 (the "300 in flight"), else def, which keeps `make test`
// within its time budget.
func longLoad(def int) int {
	if os.Getenv("JUDGE_LONG_TESTS") == "1" {
		return workloadSize(max(def, 300))
	}
	return workloadSize(def)
}

// noRedispatch keeps the reconciler out of a test of the relay itself: a record the relay lost
// or skipped would then never be re-sent, and the test's check would time out on it.
const noRedispatch = "JUDGE_REDISPATCH_AFTER=24h"

// producerRetryWindow is how long a relay's producer keeps retrying a record before its term
// fails: every retry's backoff, for the record and for the metadata refresh before it.
func producerRetryWindow() time.Duration {
	c := queue.ProducerConfig("window")
	return time.Duration(c.Producer.Retry.Max)*c.Producer.Retry.Backoff +
		time.Duration(c.Metadata.Retry.Max)*c.Metadata.Retry.Backoff
}

// TestKafkaRestartUnderLoad stops the broker for several times the producer's retry window
// while submissions keep coming: the API keeps accepting (it only needs PostgreSQL), the
// relay's terms fail until the broker is back and then replay from the slot, and every
// submission ends exactly once. The reconciler is off, so nothing but the relay itself can
// have published the records written during the outage.
func TestKafkaRestartUnderLoad(t *testing.T) {
	s := newPrivateStack(t)
	c := s.cluster(t)
	c.env = append(c.env, noRedispatch)
	c.startAPI("api1")
	relay := c.startRelay("relay1")
	c.startWorker("worker1", 2)
	downtime := max(4*producerRetryWindow(), 15*time.Second)
	jobs := workload(longLoad(60))
	var downAt, upAt time.Time
	restarted := make(chan error, 1)
	ids := send(t, c, jobs, 5, func(i int) {
		if i != len(jobs)/3 {
			return
		}
		t.Logf("stopping the Kafka broker for %s (the producer's retry window is %s)", downtime, producerRetryWindow())
		if err := s.script("stack-kafka.sh", "down"); err != nil {
			t.Fatal(err)
		}
		downAt = time.Now()
		go func() {
			time.Sleep(downtime)
			upAt = time.Now()
			restarted <- s.script("stack-kafka.sh", "up")
		}()
	})
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	t.Log("the Kafka broker is back")
	check(t, c, jobs, ids, 10*time.Minute)

	// The outage hit the pipeline: submissions were accepted while the broker was down, and
	// the relay's producer gave up on them (a failed term) rather than waiting it out.
	var during int
	if err := c.db.QueryRow(`SELECT count(*) FROM submissions WHERE created_at BETWEEN $1 AND $2`, downAt, upAt).Scan(&during); err != nil || during == 0 {
		t.Errorf("%d submissions accepted while Kafka was down (%v), want some", during, err)
	}
	if !relay.loggedLine("relay term ended", "produce") {
		t.Error("no relay term ended on a Kafka error: the outage did not outlast its producer's retries")
	}
	if h := c.relayHealth(t); h.Redispatched != 0 || h.Repairs != 0 {
		t.Errorf("relay health %+v: want no re-dispatch and no repair (the relay alone delivers)", h)
	}
	t.Logf("%d submissions accepted during the %s outage; relay terms: %d", during, downtime, relay.count("relay is the leader"))
	waitEmptyOutbox(t, c)
}

// TestPostgresRestartUnderLoad stops PostgreSQL while submissions come in, once cleanly (fast
// shutdown) and once as a crash (`pg_ctl stop -m immediate`: no checkpoint, crash recovery on
// start). The API answers 503 (not 500) while it is down; the relay resumes from its slot (the
// slot survives, its confirmed position moves on, no repair or backfill is needed and the
// reconciler is off); after it is back every accepted submission ends exactly once.
func TestPostgresRestartUnderLoad(t *testing.T) {
	for _, mode := range []string{"down", "crash"} {
		t.Run(mode, func(t *testing.T) { testPostgresStop(t, mode) })
	}
}

func testPostgresStop(t *testing.T, mode string) {
	s := newPrivateStack(t)
	c := s.cluster(t)
	c.env = append(c.env, noRedispatch, "JUDGE_RELAY_CHECK_INTERVAL=1s")
	c.startAPI("api1")
	relay := c.startRelay("relay1")
	c.startWorker("worker1", 2)
	jobs := workload(longLoad(30))
	var lsnBefore string
	var before apiv1.RelayHealth
	ids := send(t, c, jobs, 5, func(i int) {
		if i != len(jobs)/3 {
			return
		}
		before = c.relayHealth(t)
		if err := c.db.QueryRow(`SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1`, c.slot).Scan(&lsnBefore); err != nil {
			t.Fatalf("read the slot before the stop: %v", err)
		}
		t.Logf("stopping PostgreSQL (%s) with the slot at %s", mode, lsnBefore)
		s.mustScript("stack-postgres.sh", mode)
		if code := c.status("GET", "/readyz", nil); code != http.StatusServiceUnavailable {
			t.Errorf("/readyz with PostgreSQL down: %d, want 503", code)
		}
		in := "1\n"
		body := apiv1.SubmissionRequest{Language: "python3", Source: "print(1)", Stdin: &in}
		if code := c.status("POST", "/v1/submissions", body); code != http.StatusServiceUnavailable {
			t.Errorf("POST with PostgreSQL down: %d, want 503", code)
		}
		time.Sleep(2 * time.Second)
		s.mustScript("stack-postgres.sh", "up")
		t.Log("PostgreSQL is back")
	})
	check(t, c, jobs, ids, 10*time.Minute)
	// Processes must also survive the outage: a clean SIGTERM shutdown is checked at cleanup.
	for _, name := range []string{"api1", "relay1", "worker1"} {
		c.mu.Lock()
		p := c.procs[name]
		c.mu.Unlock()
		select {
		case <-p.done:
			t.Errorf("%s exited during the outage", name)
		default:
		}
	}
	// The relay lost its term with the database and resumed from the same slot.
	if n := relay.count("relay is the leader"); n < 2 {
		t.Errorf("the relay led %d terms, want a new one after PostgreSQL came back", n)
	}
	var advanced bool
	if err := c.db.QueryRow(`SELECT confirmed_flush_lsn > $2::pg_lsn FROM pg_replication_slots WHERE slot_name = $1`, c.slot, lsnBefore).Scan(&advanced); err != nil || !advanced {
		t.Errorf("slot %s after the restart: advanced past %s %v (%v)", c.slot, lsnBefore, advanced, err)
	}
	if h := c.relayHealth(t); h.Repairs != before.Repairs || h.Backfilled != before.Backfilled || h.Redispatched != 0 {
		t.Errorf("relay health %+v (before the stop %+v): want no repair, backfill or re-dispatch", h, before)
	}
	waitEmptyOutbox(t, c)
}

// status sends one request to the first API replica and returns the status code.
func (c *cluster) status(method, path string, body any) int {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, c.apiURLs[0]+path, r)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Errorf("%s %s: %v", method, path, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
