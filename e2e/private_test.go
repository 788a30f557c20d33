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

// TestKafkaRestartUnderLoad restarts the broker while submissions keep coming: the API keeps
// accepting (it only needs PostgreSQL), the relay replays from its slot once the broker is
// back, and every submission ends exactly once.
func TestKafkaRestartUnderLoad(t *testing.T) {
	s := newPrivateStack(t)
	c := s.cluster(t)
	c.startAPI("api1")
	c.startRelay("relay1")
	c.startWorker("worker1", 2)
	jobs := workload(workloadSize(30))
	restarted := make(chan error, 1)
	ids := send(t, c, jobs, 5, func(i int) {
		if i == len(jobs)/3 {
			t.Log("restarting the Kafka broker (3s down)")
			go func() { restarted <- s.script("kafka-restart.sh", "3") }()
		}
	})
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	check(t, c, jobs, ids, 5*time.Minute)
}

// TestPostgresRestartUnderLoad stops PostgreSQL while submissions come in: the API answers 503
// (not 500) while it is down, and after it is back every accepted submission ends exactly once.
func TestPostgresRestartUnderLoad(t *testing.T) {
	s := newPrivateStack(t)
	c := s.cluster(t)
	c.startAPI("api1")
	c.startRelay("relay1")
	c.startWorker("worker1", 2)
	jobs := workload(workloadSize(30))
	ids := send(t, c, jobs, 5, func(i int) {
		if i != len(jobs)/3 {
			return
		}
		t.Log("stopping PostgreSQL")
		s.mustScript("stack-postgres.sh", "down")
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
	check(t, c, jobs, ids, 5*time.Minute)
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
