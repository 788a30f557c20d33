package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/apiv1"
	jclient "github.com/judge-dev/judge/pkg/client"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// composeProject is deploy/compose brought up under a project name of its own; the test reaches
// it only through nginx's published port (and reads PostgreSQL, over the Docker network, to check
// results).
type composeProject struct {
	t       *testing.T
	root    string
	name    string
	env     []string
	docker  *client.Client
	db      *sql.DB
	api     *jclient.Client
	httpURL string
	// upstreams records the X-Judge-Upstream (replica address) nginx answered each event
	// stream with.
	upstreams chan string
}

func (p *composeProject) database() *sql.DB { return p.db }

// submit POSTs through nginx; a 502/503 or a broken connection while a replica dies is retried
// with the same Idempotency-Key, and so is a 429 (the rate limit, on by default), after a pause
// as a client honouring Retry-After would.
func (p *composeProject) submit(req apiv1.SubmissionRequest, key string) (string, error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		acc, err := p.api.Submit(context.Background(), req, key)
		if err == nil {
			return acc.ID, nil
		}
		var te *jclient.TransportError
		retry := errors.As(err, &te) || jclient.IsStatus(err, http.StatusBadGateway) ||
			jclient.IsStatus(err, http.StatusServiceUnavailable) || jclient.IsStatus(err, http.StatusGatewayTimeout) ||
			jclient.IsStatus(err, http.StatusTooManyRequests)
		if !retry || time.Now().After(deadline) {
			return "", err
		}
		if jclient.IsStatus(err, http.StatusTooManyRequests) {
			time.Sleep(time.Second) // the limiter's Retry-After is whole seconds
			continue
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// compose runs scripts/compose.sh for this project and returns its output.
func (p *composeProject) compose(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(p.root, "scripts", "compose.sh"), append([]string{"-p", p.name}, args...)...)
	cmd.Env = p.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// container returns the inspected container of service svc.
func (p *composeProject) container(svc string) client.ContainerInspectResult {
	p.t.Helper()
	list, err := p.docker.ContainerList(context.Background(), client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", "com.docker.compose.project="+p.name).
			Add("label", "com.docker.compose.service="+svc)})
	if err != nil || len(list.Items) != 1 {
		p.t.Fatalf("find the container of %s: %v (%d found)", svc, err, len(list.Items))
	}
	c, err := p.docker.ContainerInspect(context.Background(), list.Items[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		p.t.Fatalf("inspect %s: %v", svc, err)
	}
	return c
}

// ip is svc's address on the project network net.
func (p *composeProject) ip(svc, net string) string {
	p.t.Helper()
	c := p.container(svc)
	n, ok := c.Container.NetworkSettings.Networks[p.name+"_"+net]
	if !ok || !n.IPAddress.IsValid() {
		p.t.Fatalf("%s has no address on network %s", svc, net)
	}
	return n.IPAddress.String()
}

// kill is `docker kill` (SIGKILL) of svc's container.
func (p *composeProject) kill(svc string) {
	p.t.Helper()
	id := p.container(svc).Container.ID
	if _, err := p.docker.ContainerKill(context.Background(), id, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		p.t.Fatalf("docker kill %s: %v", svc, err)
	}
}

// hostname is the host name judged sees in svc's container (it names relays and workers).
func (p *composeProject) hostname(svc string) string {
	p.t.Helper()
	return p.container(svc).Container.Config.Hostname
}

// removeSandboxesOf removes the sandbox containers a worker on host left behind.
func (p *composeProject) removeSandboxesOf(host string) {
	list, err := p.docker.ContainerList(context.Background(), client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", sandbox.LabelHost+"="+host)})
	if err != nil {
		p.t.Errorf("list sandbox containers of %s: %v", host, err)
		return
	}
	for _, ct := range list.Items {
		_, err := p.docker.ContainerRemove(context.Background(), ct.ID, client.ContainerRemoveOptions{Force: true})
		if err != nil && !cerrdefs.IsNotFound(err) && !strings.Contains(err.Error(), "already in progress") {
			p.t.Errorf("remove sandbox container %s of %s: %v", ct.ID, host, err)
		}
	}
}

// upstreamRecorder is a transport that reports which replica nginx sent each event stream to.
type upstreamRecorder struct {
	next http.RoundTripper
	out  chan<- string
}

func (u upstreamRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := u.next.RoundTrip(r)
	if err == nil && strings.HasSuffix(r.URL.Path, "/events") {
		select {
		case u.out <- resp.Header.Get("X-Judge-Upstream"):
		default:
		}
	}
	return resp, err
}

// newComposeProject builds the deploy images and brings deploy/compose up under a new project
// name; everything is torn down (volumes included) when the test ends.
func newComposeProject(t *testing.T) *composeProject {
	t.Helper()
	if testing.Short() {
		t.Skip("compose: needs Docker and takes minutes")
	}
	if os.Getenv("JUDGE_LONG_TESTS") != "1" {
		t.Skip("compose failover: set JUDGE_LONG_TESTS=1 (builds the deploy images on first use and runs 300+ submissions; see README)")
	}
	testenv.Image(t, "base")
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	suffix := make([]byte, 4)
	rand.Read(suffix)
	// The agent directory is mounted at its own path in the workers, which run as uid 10001.
	agent, err := os.MkdirTemp("", "judge-agent-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(agent, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(agent) })
	addr := freeAddr(t)
	p := &composeProject{
		t: t, root: root, name: "judgetest-" + hex.EncodeToString(suffix), docker: testenv.Docker(t),
		httpURL: "http://" + addr, upstreams: make(chan string, 64),
		env: append(os.Environ(), "JUDGE_AGENT_DIR="+agent, "JUDGE_HTTP_ADDR="+addr,
			"JUDGE_LEASE_DURATION=5s", "JUDGE_COMPOSE_NO_BUILD=1"),
	}

	t.Log("building the deploy images (scripts/deploy-images.sh)")
	build := exec.Command(filepath.Join(root, "scripts", "deploy-images.sh"))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/deploy-images.sh: %v\n%s", err, tail(out, 4000))
	}

	var workers []string
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := p.compose(2*time.Minute, "logs", "--no-color", "--tail", "80")
			t.Logf("---- compose logs ----\n%s", logs)
		}
		if out, err := p.compose(3*time.Minute, "down", "-v", "--remove-orphans", "--timeout", "30"); err != nil {
			t.Errorf("compose down: %v\n%s", err, out)
		}
		for _, h := range workers {
			p.removeSandboxesOf(h)
		}
	})
	if out, err := p.compose(5*time.Minute, "up", "-d"); err != nil {
		t.Fatalf("compose up: %v\n%s", err, out)
	}
	workers = []string{p.hostname("worker1"), p.hostname("worker2")}

	testenv.WaitFor(t, "nginx /readyz", 3*time.Minute, func() bool {
		resp, err := http.Get(p.httpURL + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	out2, err := p.compose(time.Minute, "exec", "-T", "api1", "judged", "token", "create", "--role", "admin", "--name", "e2e")
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, out2)
	}
	token := ""
	for _, line := range strings.Split(out2, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "jdg_") {
			token = strings.TrimSpace(line)
			break
		}
	}
	if token == "" {
		t.Fatalf("token create printed no token:\n%s", out2)
	}
	hc := &http.Client{Transport: upstreamRecorder{next: http.DefaultTransport, out: p.upstreams}}
	if p.api, err = jclient.New(p.httpURL, token, jclient.WithHTTPClient(hc), jclient.WithRetries(0)); err != nil {
		t.Fatal(err)
	}
	dsn := fmt.Sprintf("postgres://judge:judge@%s:5432/judge?sslmode=disable", p.ip("postgres", "backend"))
	if p.db, err = sql.Open("postgres", dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.db.Close() })
	return p
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// TestComposeFailover drives deploy/compose only through nginx: 300+ submissions while an API
// replica (the one serving an open event stream), the leading relay and a worker with runs in
// flight are killed with `docker kill`. Every submission ends exactly once with its verdict, and
// the event stream resumes on the other replica with Last-Event-ID, missing and repeating nothing.
func TestComposeFailover(t *testing.T) {
	p := newComposeProject(t)

	// A slow submission whose event stream is open while its replica dies.
	jobs := workload(workloadSize(320))
	in, want := "21\n", "42\n"
	jobs[0] = job{key: fmt.Sprintf("e2e-slow-%d", time.Now().UnixNano()), want: "AC", req: apiv1.SubmissionRequest{
		Language: "python3", Source: "import time\ntime.sleep(40)\nprint(int(input())*2)",
		Stdin: &in, ExpectedOutput: &want, Limits: &apiv1.Limits{WallTimeMS: 55000},
	}}
	slowID, err := p.submit(jobs[0].req, jobs[0].key)
	if err != nil {
		t.Fatalf("submit the slow job: %v", err)
	}

	var (
		streamMu   sync.Mutex
		streamed   []apiv1.Event
		reconnects int
	)
	followed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		followed <- p.api.Follow(ctx, slowID, jclient.FollowOptions{
			OnReconnect: func(err error, _ time.Duration) {
				streamMu.Lock()
				reconnects++
				streamMu.Unlock()
				t.Logf("event stream: reconnecting after %v", err)
			},
		}, func(e apiv1.Event) error {
			streamMu.Lock()
			streamed = append(streamed, e)
			streamMu.Unlock()
			return nil
		})
	}()
	var served string
	select {
	case served = <-p.upstreams:
	case <-time.After(time.Minute):
		t.Fatal("the event stream did not start within a minute")
	}
	apiOf := map[string]string{p.ip("api1", "edge") + ":8080": "api1", p.ip("api2", "edge") + ":8080": "api2"}
	streamAPI, ok := apiOf[served]
	if !ok {
		t.Fatalf("nginx served the event stream from %q, not from api1 or api2 (%v)", served, apiOf)
	}

	relayOf := map[string]string{p.hostname("relay1"): "relay1", p.hostname("relay2"): "relay2"}
	workerHost := map[string]string{"worker1": p.hostname("worker1"), "worker2": p.hostname("worker2")}
	var apiKilled, relayKilled, workerKilled atomic.Bool
	ids := send(t, p, jobs[1:], 0, func(i int) {
		n := len(jobs) - 1
		switch {
		case i == n/8 && !apiKilled.Load():
			t.Logf("docker kill %s (serving the event stream) after %d submissions", streamAPI, i+1)
			p.kill(streamAPI)
			apiKilled.Store(true)
		case i == n/3 && !relayKilled.Load():
			var holder string
			if err := p.db.QueryRow(`SELECT holder FROM relay_state`).Scan(&holder); err != nil {
				t.Errorf("read the relay leader: %v", err)
				return
			}
			host := holder[:max(strings.LastIndex(holder, "-"), 0)]
			svc, ok := relayOf[host]
			if !ok {
				t.Errorf("relay leader %q is neither relay (%v)", holder, relayOf)
				return
			}
			t.Logf("docker kill %s (the leading relay, %s) after %d submissions", svc, holder, i+1)
			p.kill(svc)
			relayKilled.Store(true)
		case i >= n/2 && !workerKilled.Load():
			var running int
			if err := p.db.QueryRow(`SELECT count(*) FROM submissions WHERE status = 'running' AND worker LIKE $1`,
				workerHost["worker1"]+"-%").Scan(&running); err != nil {
				t.Errorf("count running: %v", err)
				return
			}
			if running > 0 || i == n-1 {
				t.Logf("docker kill worker1 with %d submissions running after %d submissions", running, i+1)
				p.kill("worker1")
				p.removeSandboxesOf(workerHost["worker1"])
				workerKilled.Store(true)
			}
		}
	})
	if !apiKilled.Load() || !relayKilled.Load() || !workerKilled.Load() {
		t.Fatalf("not every fault ran: api %v, relay %v, worker %v", apiKilled.Load(), relayKilled.Load(), workerKilled.Load())
	}
	ids = append([]string{slowID}, ids...)
	check(t, p, jobs, ids, 10*time.Minute)

	if err := <-followed; err != nil {
		t.Fatalf("follow the slow submission: %v", err)
	}
	streamMu.Lock()
	defer streamMu.Unlock()
	if reconnects == 0 {
		t.Errorf("the event stream never reconnected although %s, which served it, was killed", streamAPI)
	}
	var stored []int64
	rows, err := p.db.Query(`SELECT seq FROM submission_events WHERE submission_id = $1 ORDER BY seq`, slowID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, e := range streamed {
		got = append(got, e.Seq)
	}
	if len(streamed) == 0 || streamed[len(streamed)-1].Type != "done" {
		t.Errorf("event stream across the failover did not end with done: %+v", streamed)
	}
	if fmt.Sprint(got) != fmt.Sprint(stored) {
		t.Errorf("event stream across the failover delivered seqs %v; stored events are %v", got, stored)
	}
}
