package judgedcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/cdc"
	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/worker"
)

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// The language table is read once per process, whichever roles ask for it (before, `judged all`
// read it in the API and again in the worker).
func TestProcessLoadsLanguagesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "languages.yaml")
	table := "languages:\n  - {id: py, name: Python, extensions: [.py], image: base, source_file: main.py, run: [python3, main.py]}\n"
	if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.LanguagesFile = path
	cfg.DockerHost = "unix:///nonexistent/docker.sock" // versions are not read: no engine
	p := newProcessWith(cfg, discardLog(), nil)
	first, err := p.languages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A second role after the file changed still gets the table the first one got.
	if err := os.WriteFile(path, []byte("not: [a table"), 0o644); err != nil {
		t.Fatal(err)
	}
	second, err := p.languages(context.Background())
	if err != nil || second != first {
		t.Errorf("second load: %p, %v; want the first table %p", second, err, first)
	}

	bad := config.Default()
	bad.LanguagesFile = filepath.Join(t.TempDir(), "missing.yaml")
	if _, err := newProcessWith(bad, discardLog(), nil).languages(context.Background()); err == nil ||
		!strings.Contains(err.Error(), "languages_file (JUDGE_LANGUAGES_FILE)") {
		t.Errorf("missing table: %v, want the setting named", err)
	}
}

func TestRunStopsEveryRoleWhenOneStops(t *testing.T) {
	p := newProcessWith(config.Default(), discardLog(), nil)
	otherStopped := make(chan struct{})
	err := p.run(context.Background(),
		role{"quitter", func(context.Context) error { return nil }},
		role{"waiter", func(ctx context.Context) error { <-ctx.Done(); close(otherStopped); return nil }},
	)
	if !errors.Is(err, errStopped) || !strings.Contains(err.Error(), "quitter") {
		t.Errorf("run: %v, want quitter stopped unexpectedly", err)
	}
	select {
	case <-otherStopped:
	default:
		t.Error("the other role was not stopped")
	}

	// Every role is reported, as starting, before it has a check of its own.
	rep := p.ops.Ready(context.Background())
	for _, name := range []string{"quitter", "waiter"} {
		if r, ok := rep.Roles[name]; !ok || r.Ready || r.Reason != "starting" {
			t.Errorf("role %s before its check: %+v (present %v), want starting", name, r, ok)
		}
	}

	failing := errors.New("boom")
	if err := p.run(context.Background(), role{"worker", func(context.Context) error { return failing }}); !errors.Is(err, failing) || !strings.Contains(err.Error(), "worker: boom") {
		t.Errorf("run: %v, want the role's error named", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.run(ctx, role{"relay", func(ctx context.Context) error { <-ctx.Done(); return nil }}); err != nil {
		t.Errorf("run after cancel: %v, want a clean stop", err)
	}

	cfg := config.Default()
	cfg.OpsListen = "256.0.0.1:99999"
	err = newProcessWith(cfg, discardLog(), nil).run(context.Background(), role{"relay", func(context.Context) error { t.Error("role ran"); return nil }})
	if err == nil || !strings.Contains(err.Error(), "ops_listen (JUDGE_OPS_LISTEN)") {
		t.Errorf("bad ops address: %v, want the setting named", err)
	}
}

type fakeRelayHealth struct {
	hs  []store.RelayHealth
	err error
}

func (f fakeRelayHealth) ListRelayHealth(context.Context) ([]store.RelayHealth, error) {
	return f.hs, f.err
}

func TestRelayReadiness(t *testing.T) {
	health := fakeRelayHealth{hs: []store.RelayHealth{
		{Slot: "other", SlotStatus: "lost"},
		{Slot: "judge_relay", Holder: "node1-1", SlotStatus: "reserved", PublicationStatus: "ok"},
	}}
	tests := []struct {
		name       string
		status     cdc.Status
		health     fakeRelayHealth
		ready      bool
		reason     string
		detailHas  []string
		detailLack []string
	}{
		{"leader", cdc.Status{State: cdc.StateLeader, Slot: "judge_relay"}, health, true, "",
			[]string{`"state":"leader"`, `"slot_health":{"healthy":true,"holder":"node1-1"`}, []string{`"lost"`}},
		{"standby", cdc.Status{State: cdc.StateStandby, Slot: "judge_relay"}, health, true, "", []string{`"state":"standby"`}, nil},
		{"starting", cdc.Status{State: cdc.StateStarting, Slot: "judge_relay"}, health, false, "not tried the leader lock", nil, nil},
		{"failing", cdc.Status{State: cdc.StateFailing, Slot: "judge_relay", LastError: "kafka producer: no brokers"}, health, false,
			"last term failed: kafka producer: no brokers", []string{`"last_error":"kafka producer: no brokers"`}, nil},
		{"health unreadable", cdc.Status{State: cdc.StateStandby, Slot: "judge_relay"}, fakeRelayHealth{err: errors.New("db down")}, true, "",
			[]string{`"slot_health_error":"db down"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := relayReadiness(context.Background(), tt.status, tt.health)
			b, err := json.Marshal(r.Detail)
			if err != nil {
				t.Fatal(err)
			}
			if r.Ready != tt.ready || !strings.Contains(r.Reason, tt.reason) || (tt.reason == "") != (r.Reason == "") {
				t.Errorf("ready=%v reason=%q, want %v %q", r.Ready, r.Reason, tt.ready, tt.reason)
			}
			for _, s := range tt.detailHas {
				if !strings.Contains(string(b), s) {
					t.Errorf("detail lacks %s: %s", s, b)
				}
			}
			for _, s := range tt.detailLack {
				if strings.Contains(string(b), s) {
					t.Errorf("detail has %s: %s", s, b)
				}
			}
		})
	}
}

func TestWorkerReadiness(t *testing.T) {
	now := time.Now()
	ok := map[string]string{"database": "ok", "docker": "ok"}
	tests := []struct {
		name    string
		status  worker.Status
		refused map[string]error
		ready   bool
		reason  string
	}{
		{"judging", worker.Status{Consuming: true, Probes: ok, CheckedAt: now}, nil, true, ""},
		{"not in the group", worker.Status{Probes: ok, CheckedAt: now}, nil, false, "not in the consumer group"},
		{"not probed", worker.Status{Consuming: true}, nil, false, "not probed yet"},
		{"docker down", worker.Status{Consuming: true, Paused: true, CheckedAt: now,
			Probes: map[string]string{"database": "ok", "docker": "connection refused"}}, nil, false, "paused while a probe fails: docker: connection refused"},
		{"an image missing", worker.Status{Consuming: true, Probes: ok, CheckedAt: now},
			map[string]error{"java": errors.New("image judge-runtime-jvm:abc is not on this engine")}, false, "1 languages refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := workerReadiness(tt.status, tt.refused)
			if r.Ready != tt.ready || !strings.Contains(r.Reason, tt.reason) || (tt.reason == "") != (r.Reason == "") {
				t.Errorf("ready=%v reason=%q, want %v %q", r.Ready, r.Reason, tt.ready, tt.reason)
			}
			b, _ := json.Marshal(r.Detail)
			for id := range tt.refused {
				if !strings.Contains(string(b), `"refused_languages":{"image judge-runtime-jvm:abc is not on this engine":["`+id+`"]}`) {
					t.Errorf("detail does not list %s: %s", id, b)
				}
			}
		})
	}
}

// `judged all` serves every role's readiness and metrics on one ops listener, and the API's
// own /readyz and /metrics on its listener as before.
func TestAllServesEveryRoleOnOneOpsListener(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the stack")
	}
	testenv.Image(t, "base")
	dsn := testenv.Postgres(t)
	brokers := testenv.KafkaBrokers(t)
	topic := testenv.NewTopic(t, 2)
	listen, opsAddr := freeTCPAddr(t), freeTCPAddr(t)
	slot := "judgedcmd_all_" + strings.ReplaceAll(topic[strings.LastIndex(topic, "-")+1:], "-", "_")
	// The real binary: the worker's sandbox mounts the (static) judged into its containers.
	cmd := exec.Command(testenv.JudgedBinary(t), "all", "--database-url", dsn, "--kafka-brokers", strings.Join(brokers, ","),
		"--kafka-topic", topic, "--slot", slot, "--group", "g-"+slot, "--slots", "1", "--listen", listen,
		"--ops-listen", opsAddr, "--docker-host", testenv.DockerHost(t))
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			return errors.New("judged all did not stop within 60s of SIGTERM")
		}
	}
	var body string
	deadline := time.Now().Add(90 * time.Second)
	for ready := false; !ready; {
		if time.Now().After(deadline) {
			_ = stop()
			t.Fatalf("the ops listener never reported api, relay and worker ready; last /readyz: %s\nstderr:\n%s", body, errb.String())
		}
		var code int
		code, body = httpGet(opsAddr, "/readyz")
		// The built-in table names every image; those this engine lacks make the worker refuse
		// their languages, so the worker's own verdict is not asserted, only that it consumes.
		ready = code != 0 && strings.Contains(body, `"api":{"ready":true`) && strings.Contains(body, `"relay":{"ready":true`) &&
			strings.Contains(body, `"consuming":true`)
		if !ready {
			time.Sleep(200 * time.Millisecond)
		}
	}
	_, metrics := httpGet(opsAddr, "/metrics")
	for _, m := range []string{"judge_api_submissions_accepted_total", "judge_relay_published_total", "judge_worker_paused", "go_goroutines"} {
		if !strings.Contains(metrics, m) {
			t.Errorf("ops /metrics lacks %s", m)
		}
	}
	if code, _ := httpGet(listen, "/readyz"); code != 200 {
		t.Errorf("the API's own /readyz: %d", code)
	}
	if _, m := httpGet(listen, "/metrics"); !strings.Contains(m, "judge_worker_paused") {
		t.Error("the API's own /metrics no longer carries the other roles' metrics")
	}
	if err := stop(); err != nil {
		t.Errorf("after SIGTERM: %v; stderr:\n%s", err, errb.String())
	}
	if n := strings.Count(errb.String(), "ops endpoints listening"); n != 1 {
		t.Errorf("%d ops listeners started, want 1", n)
	}
}

func httpGet(addr, path string) (int, string) {
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func freeTCPAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
