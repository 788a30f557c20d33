package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/sandbox"

	_ "github.com/lib/pq"
)

// cluster is one judge deployment of separate judged processes on a database, topic, slot and
// consumer group of its own.
type cluster struct {
	t       *testing.T
	bin     string
	env     []string
	db      *sql.DB
	token   string
	slot    string
	mu      sync.Mutex
	procs   map[string]*proc
	apiURLs []string
	next    int
	docker  *client.Client
	// logDir holds the roles' logs; made before stopAll is registered, so it is still there
	// when a failed test shows them.
	logDir string
}

type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// newCluster prepares a deployment on the shared stack: a new database and topic.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: needs the stack and takes minutes")
	}
	testenv.Image(t, "base")
	dsn := testenv.Postgres(t)
	brokers := testenv.KafkaBrokers(t)
	topic := testenv.NewTopic(t, 6)
	return newClusterOn(t, dsn, brokers, topic, "e2e_"+topic[strings.LastIndex(topic, "-")+1:])
}

// newClusterOn prepares a deployment on the given database, brokers, topic and slot.
func newClusterOn(t *testing.T, dsn string, brokers []string, topic, slot string) *cluster {
	t.Helper()
	c := &cluster{t: t, bin: testenv.JudgedBinary(t), procs: map[string]*proc{}, docker: testenv.Docker(t), slot: slot, logDir: t.TempDir()}
	c.env = append(os.Environ(),
		"JUDGE_DATABASE_URL="+dsn,
		"JUDGE_KAFKA_BROKERS="+strings.Join(brokers, ","),
		"JUDGE_KAFKA_TOPIC="+topic,
		"JUDGE_LEASE_DURATION=4s",
		"JUDGE_LOG_LEVEL=info",
	)
	var err error
	if c.db, err = sql.Open("postgres", dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.db.Close() })
	c.run("migrate")
	out := c.run("token", "create", "--role", "admin", "--name", "e2e")
	c.token = strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	if !strings.HasPrefix(c.token, "jdg_") {
		t.Fatalf("token create printed %q", out)
	}
	t.Cleanup(c.stopAll)
	return c
}

// run runs a judged command to completion and returns its stdout.
func (c *cluster) run(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("judged %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// start runs a long-lived judged role named name; its log goes to a file shown on failure.
func (c *cluster) start(name string, args ...string) *proc {
	c.t.Helper()
	return c.startEnv(nil, name, args...)
}

// startEnv is start with env added to the cluster's environment (a later value wins).
func (c *cluster) startEnv(env []string, name string, args ...string) *proc {
	c.t.Helper()
	logPath := filepath.Join(c.logDir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(append([]string(nil), c.env...), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { cmd.Wait(); f.Close(); close(p.done) }()
	c.mu.Lock()
	c.procs[name] = p
	c.mu.Unlock()
	return p
}

func (c *cluster) startAPI(name string) {
	c.t.Helper()
	addr := freeAddr(c.t)
	c.start(name, "api", "--listen", addr)
	url := "http://" + addr
	testenv.WaitFor(c.t, name+" ready", 30*time.Second, func() bool {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	c.mu.Lock()
	c.apiURLs = append(c.apiURLs, url)
	c.mu.Unlock()
}

func (c *cluster) startRelay(name string) *proc { return c.start(name, "relay", "--slot", c.slot) }

func (c *cluster) startWorker(name string, slots int) *proc {
	return c.start(name, "worker", "--slots", fmt.Sprint(slots), "--group", "e2e-"+c.slot, "--grace", "10s")
}

// kill sends sig to a role and waits for it to exit.
func (c *cluster) kill(name string, sig syscall.Signal) {
	c.t.Helper()
	c.mu.Lock()
	p := c.procs[name]
	c.mu.Unlock()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		c.t.Errorf("%s did not exit within 60s of %s", name, sig)
	}
	if sig == syscall.SIGKILL {
		c.removeContainersOf(p.cmd.Process.Pid)
	}
}

// removeContainersOf removes the sandbox containers a killed worker left (a restarted worker
// would sweep them; the test does not wait for one).
func (c *cluster) removeContainersOf(pid int) {
	filter := make(client.Filters).Add("label", fmt.Sprintf("%s=%d", sandbox.LabelPID, pid))
	// The engine finishes a create the killed worker asked for even after the worker died, so a
	// container can appear after the first pass: every pass removes what it finds. A removal
	// another process's sweep started can take long on an engine busy with other tests'
	// containers (the 40-language matrix runs beside this package under make test).
	testenv.WaitFor(c.t, fmt.Sprintf("no container of killed pid %d", pid), 3*time.Minute, func() bool {
		list, err := c.docker.ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: filter})
		if err != nil {
			return false
		}
		for _, ct := range list.Items {
			_, err := c.docker.ContainerRemove(context.Background(), ct.ID, client.ContainerRemoveOptions{Force: true})
			// Another process's sweep (or our previous pass) may be removing it already: also fine.
			if err != nil && !cerrdefs.IsNotFound(err) && !strings.Contains(err.Error(), "already in progress") {
				c.t.Errorf("remove container %s of killed pid %d: %v", ct.ID, pid, err)
			}
		}
		return len(list.Items) == 0
	})
}

// stopAll stops every role with SIGTERM (a clean shutdown is part of the test) and shows the
// logs of a failed test.
func (c *cluster) stopAll() {
	c.mu.Lock()
	procs := make([]*proc, 0, len(c.procs))
	for _, p := range c.procs {
		procs = append(procs, p)
	}
	c.mu.Unlock()
	for _, p := range procs {
		select {
		case <-p.done:
			continue
		default:
		}
		p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range procs {
		select {
		case <-p.done:
			if p.cmd.ProcessState != nil && !p.cmd.ProcessState.Success() && !killed(p) {
				c.t.Errorf("%s exited with %v after SIGTERM", p.name, p.cmd.ProcessState)
			}
		case <-time.After(60 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
			c.t.Errorf("%s did not stop within 60s of SIGTERM", p.name)
		}
	}
	if c.t.Failed() {
		for _, p := range procs {
			b, _ := os.ReadFile(p.log)
			if len(b) > 20000 {
				b = b[len(b)-20000:]
			}
			c.t.Logf("---- log of %s ----\n%s", p.name, b)
		}
	}
}

func killed(p *proc) bool {
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// submit POSTs a submission to the API replicas in turn (a round-robin load balancer), with an
// idempotency key, retrying while a replica answers 503 or is down. It returns the id.
func (c *cluster) submit(req apiv1.SubmissionRequest, key string) (string, error) {
	body, _ := json.Marshal(req)
	deadline := time.Now().Add(60 * time.Second)
	for {
		c.mu.Lock()
		url := c.apiURLs[c.next%len(c.apiURLs)]
		c.next++
		c.mu.Unlock()
		hr, _ := http.NewRequest("POST", url+"/v1/submissions", bytes.NewReader(body))
		hr.Header.Set("Authorization", "Bearer "+c.token)
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(hr)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK {
				var acc apiv1.SubmissionAccepted
				if err := json.Unmarshal(b, &acc); err != nil {
					return "", fmt.Errorf("decode %s: %w", b, err)
				}
				return acc.ID, nil
			}
			if resp.StatusCode != http.StatusServiceUnavailable {
				return "", fmt.Errorf("POST: %d %s", resp.StatusCode, b)
			}
			err = fmt.Errorf("503 %s", b)
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("POST kept failing: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (c *cluster) database() *sql.DB { return c.db }

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
