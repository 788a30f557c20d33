package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeProc writes /proc/PID/{stat,cmdline} entries: pid → (ppid, ticks, cmdline).
func fakeProc(t *testing.T, dir string, procs map[int]struct {
	ppid, ticks int
	cmd         string
}) {
	t.Helper()
	for pid, p := range procs {
		d := filepath.Join(dir, fmt.Sprint(pid))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		// utime=ticks, stime=ticks, cutime=0, cstime=0; the comm field holds a space and a ')'.
		stat := fmt.Sprintf("%d (post gres) x) S %d 1 1 0 -1 0 0 0 0 0 %d %d 0 0 20 0 1 0 %d 0 0\n", pid, p.ppid, p.ticks, p.ticks, 1000+pid)
		if err := os.WriteFile(filepath.Join(d, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "cmdline"), []byte(strings.ReplaceAll(p.cmd, " ", "\x00")+"\x00"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestProcProbe(t *testing.T) {
	proc := t.TempDir()
	type pr = struct {
		ppid, ticks int
		cmd         string
	}
	fakeProc(t, proc, map[int]pr{
		10: {1, 50, "postgres -D /data"},
		11: {10, 100, "postgres: checkpointer"},
		12: {10, 30, "postgres: judge judge_a 127.0.0.1(5000) idle"},
		13: {10, 20, "postgres: walsender judge 127.0.0.1(5001) START_REPLICATION"}, // judge_a's relay
		15: {10, 5, "postgres: walsender judge judge_a 127.0.0.1(5003) idle"},
		14: {10, 70, "postgres: judge judge_b 127.0.0.1(5002) idle"},
		20: {1, 999, "unrelated"},
	})
	pidFile := filepath.Join(t.TempDir(), "postmaster.pid")
	if err := os.WriteFile(pidFile, []byte("10\n/data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := func(c Counters) (s float64) {
		for _, v := range c {
			s += v
		}
		return s
	}
	tests := []struct {
		name    string
		match   func(string) bool
		include map[int]bool
		want    float64 // seconds: (utime+stime)/100
	}{
		{"whole tree", nil, nil, float64(2*(50+100+30+20+70+5)) / 100},
		{"one database", PostgresBackendOf("judge_a"), nil, float64(2*(30+5)) / 100},
		{"one database and its slot's sender", PostgresBackendOf("judge_a"), map[int]bool{13: true}, float64(2*(30+5+20)) / 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ProcProbe{Label: "pg", PIDFile: pidFile, Match: tt.match, Proc: proc}
			if tt.include != nil {
				p.Include = func(context.Context) (map[int]bool, error) { return tt.include, nil }
			}
			c, err := p.Sample(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := sum(c); got != tt.want {
				t.Errorf("cpu = %v, want %v (%v)", got, tt.want, c)
			}
		})
	}
	if _, err := (ProcProbe{PIDFile: filepath.Join(t.TempDir(), "none")}).Sample(context.Background()); err == nil {
		t.Error("a missing pid file was not reported")
	}
}

func TestMeasureCost(t *testing.T) {
	before := Counters{"a": 1, "gone": 5, "same": 2}
	after := Counters{"a": 3, "new": 4, "same": 2}
	c := MeasureCost("p", before, after, 2)
	want := map[string]float64{"a": 1, "new": 2}
	if len(c.PerSubmission) != len(want) {
		t.Fatalf("per submission = %v, want %v", c.PerSubmission, want)
	}
	for k, v := range want {
		if c.PerSubmission[k] != v {
			t.Errorf("%s = %v, want %v", k, c.PerSubmission[k], v)
		}
	}
	if total, per := SumCPU(c); total != 6 || per != 3 {
		t.Errorf("SumCPU = %v, %v; want 6, 3", total, per)
	}
}

func TestMetricsProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "# HELP process_cpu_seconds_total x\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 12.5\n")
	}))
	defer srv.Close()
	c, err := MetricsProbe{URL: srv.URL + "/metrics"}.Sample(context.Background())
	if err != nil || c["cpu_s"] != 12.5 {
		t.Fatalf("sample = %v, %v; want cpu_s 12.5", c, err)
	}
	if _, err := (MetricsProbe{URL: srv.URL + "/other"}).Sample(context.Background()); err == nil {
		t.Error("a 404 was not reported")
	}
}

func TestCommProbe(t *testing.T) {
	proc := t.TempDir()
	type pr = struct {
		ppid, ticks int
		cmd         string
	}
	fakeProc(t, proc, map[int]pr{10: {1, 50, "x"}, 11: {1, 5, "y"}})
	// fakeProc names every process "post gres) x"; rename two of them.
	rename := func(pid int, comm string) {
		f := filepath.Join(proc, fmt.Sprint(pid), "stat")
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(strings.Replace(string(b), "(post gres) x)", "("+comm+")", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rename(10, "containerd-shim")
	rename(11, "runc:[2:INIT]")
	fakeProc(t, proc, map[int]pr{12: {1, 700, "other"}})
	for _, tt := range []struct {
		comms []string
		want  float64
	}{
		{[]string{"containerd"}, 1},
		{[]string{"containerd", "runc"}, 1.1},
		{[]string{"dockerd"}, 0},
	} {
		c, err := CommProbe{Label: "engine", Comms: tt.comms, Proc: proc}.Sample(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var got float64
		for _, v := range c {
			got += v
		}
		if got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("%v: cpu = %v, want %v (%v)", tt.comms, got, tt.want, c)
		}
	}
}

func TestMachineProbe(t *testing.T) {
	proc := t.TempDir()
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(proc, "stat"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// user 100, nice 10, system 50, idle 9000, iowait 300, irq 1, softirq 2, steal 7, guest 40:
	// busy = 100+10+50+1+2+7 ticks; idle, iowait and guest (already in user) are not added.
	write("cpu  100 10 50 9000 300 1 2 7 40 0\ncpu0 50 5 25 4500 150 1 1 3 20 0\n")
	c, err := MachineProbe{Proc: proc}.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := c["cpu_s"]; got < 1.7-1e-9 || got > 1.7+1e-9 {
		t.Errorf("cpu_s = %v, want 1.7", got)
	}
	write("intr 1 2 3\n")
	if _, err := (MachineProbe{Proc: proc}).Sample(context.Background()); err == nil {
		t.Error("a /proc/stat without its cpu line was not reported")
	}
}

func TestSelfProbe(t *testing.T) {
	before, err := SelfProbe{}.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(50 * time.Millisecond)
	for n := 0; time.Now().Before(deadline); n++ {
		_ = fmt.Sprint(n) // burn CPU in this process
	}
	after, err := SelfProbe{}.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if after["cpu_s"] <= before["cpu_s"] {
		t.Errorf("own CPU did not grow while burning it: %v → %v", before["cpu_s"], after["cpu_s"])
	}
}
