package cgroup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The v1 trees were recorded on this project's cgroup v1 host (Docker 20.10, cgroupfs driver)
// from the host's and the container's side; the v2 trees follow the kernel's cgroup-v2
// documentation for a systemd-driver host and a container with a private cgroup namespace.
func TestLocateAndRead(t *testing.T) {
	cases := []struct {
		tree             string
		v2               bool
		usage, peak, oom int64
		cpu              time.Duration
	}{
		{tree: "v1-host", usage: 1220608, peak: 4354048, oom: 0, cpu: 0},
		{tree: "v1-container", usage: 1220608, peak: 4354048, oom: 0, cpu: 0},
		{tree: "v2-host", v2: true, usage: 5402624, peak: 9637888, oom: 2, cpu: 1234567 * time.Microsecond},
		{tree: "v2-container", v2: true, usage: 5402624, peak: 9637888, oom: 2, cpu: 1234567 * time.Microsecond},
	}
	for _, c := range cases {
		t.Run(c.tree, func(t *testing.T) {
			root := filepath.Join("testdata", c.tree)
			cg := mustRead(t, filepath.Join(root, "cgroup"))
			mi := mustRead(t, filepath.Join(root, "mountinfo"))
			g, err := Locate(root, cg, mi)
			if err != nil {
				t.Fatal(err)
			}
			if g.V2 != c.v2 {
				t.Fatalf("V2 = %v, want %v (group %+v)", g.V2, c.v2, g)
			}
			if want := strings.Replace(g.MemoryDir, "/memory", "/pids", 1); g.PidsDir != want {
				t.Errorf("PidsDir = %q, want %q (next to the memory group)", g.PidsDir, want)
			}
			for _, d := range []string{g.MemoryDir, g.CPUDir} {
				if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
					t.Fatalf("located %s: %v", d, err)
				}
			}
			if _, err := os.Stat(filepath.Join(g.CPUDir, "cpuacct.usage")); !c.v2 && err != nil {
				t.Fatal(err)
			}
			cs := g.Open()
			defer cs.Close()
			// Each read once by opening the file, and twice through a file kept open (the
			// second read is a pread at 0).
			for i, r := range []counterReader{g, cs, cs} {
				if v, err := r.Usage(); err != nil || v != c.usage {
					t.Errorf("%d: Usage = %d, %v; want %d", i, v, err, c.usage)
				}
				if v, err := r.Peak(); err != nil || v != c.peak {
					t.Errorf("%d: Peak = %d, %v; want %d", i, v, err, c.peak)
				}
				if v, err := r.OOMKills(); err != nil || v != c.oom {
					t.Errorf("%d: OOMKills = %d, %v; want %d", i, v, err, c.oom)
				}
				if v, err := r.CPU(); err != nil || c.cpu != 0 && v != c.cpu {
					t.Errorf("%d: CPU = %v, %v; want %v", i, v, err, c.cpu)
				}
			}
		})
	}
}

// counterReader is what Group and Counters both read.
type counterReader interface {
	CPU() (time.Duration, error)
	Usage() (int64, error)
	Peak() (int64, error)
	OOMKills() (int64, error)
}

// TestCountersSeeNewValues: a kept-open file shows what the kernel (here: a rewrite in place)
// holds now, not what it held when opened.
func TestCountersSeeNewValues(t *testing.T) {
	dir := t.TempDir()
	write := func(name, v string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("memory.current", "100\n")
	write("memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
	write("cpu.stat", "usage_usec 10\nuser_usec 5\nsystem_usec 5\n")
	cs := Group{V2: true, MemoryDir: dir, CPUDir: dir}.Open()
	defer cs.Close()
	if v, err := cs.Usage(); err != nil || v != 100 {
		t.Fatalf("Usage = %d, %v; want 100", v, err)
	}
	write("memory.current", "123456789\n")
	write("memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n")
	write("cpu.stat", "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\n")
	if v, err := cs.Usage(); err != nil || v != 123456789 {
		t.Errorf("Usage after the change = %d, %v; want 123456789", v, err)
	}
	if v, err := cs.OOMKills(); err != nil || v != 2 {
		t.Errorf("OOMKills = %d, %v; want 2", v, err)
	}
	if v, err := cs.CPU(); err != nil || v != 2*time.Millisecond {
		t.Errorf("CPU = %v, %v; want 2ms", v, err)
	}
	if _, err := cs.Peak(); err == nil {
		t.Error("a missing memory.peak read without error")
	}
	var none *Counters
	if _, err := none.Usage(); !errors.Is(err, ErrNoGroup) {
		t.Errorf("nil Counters: %v, want ErrNoGroup", err)
	}
}

func TestWatchPeakResetsAndReads(t *testing.T) {
	for _, tc := range []struct {
		v2    bool
		file  string
		reset string
	}{{false, "memory.max_usage_in_bytes", "0"}, {true, "memory.peak", "reset"}} {
		dir := t.TempDir()
		path := filepath.Join(dir, tc.file)
		if err := os.WriteFile(path, []byte("4096\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		w, err := Group{V2: tc.v2, MemoryDir: dir, CPUDir: dir}.WatchPeak()
		if err != nil {
			t.Fatal(err)
		}
		// A regular file stands in for the kernel's: the reset is the write, at offset 0.
		if got := string(mustRead(t, path)); !strings.HasPrefix(got, tc.reset) {
			t.Errorf("%s after the reset: %q, want it to start with %q", tc.file, got, tc.reset)
		}
		if err := os.WriteFile(path, []byte("8192\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if v, err := w.Read(); err != nil || v != 8192 {
			t.Errorf("Read = %d, %v; want 8192", v, err)
		}
		w.Close()
	}
}

func TestSetLimits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		v2    bool
		files map[string]string // file → content before
		want  map[string]string // file → content after
	}{
		{"v1 up", false,
			map[string]string{"memory.limit_in_bytes": "100", "memory.memsw.limit_in_bytes": "100", "pids.max": "96"},
			map[string]string{"memory.limit_in_bytes": "4096", "memory.memsw.limit_in_bytes": "4096", "pids.max": "32"}},
		{"v1 down", false,
			map[string]string{"memory.limit_in_bytes": "1000000000", "memory.memsw.limit_in_bytes": "1000000000", "pids.max": "max"},
			map[string]string{"memory.limit_in_bytes": "4096", "memory.memsw.limit_in_bytes": "4096", "pids.max": "32"}},
		{"v1 without swap accounting", false,
			map[string]string{"memory.limit_in_bytes": "100", "pids.max": "96"},
			map[string]string{"memory.limit_in_bytes": "4096", "pids.max": "32"}},
		{"v2", true,
			map[string]string{"memory.max": "max", "memory.swap.max": "max", "pids.max": "96"},
			map[string]string{"memory.max": "4096", "memory.swap.max": "0", "pids.max": "32"}},
		{"v2 without swap", true,
			map[string]string{"memory.max": "100", "pids.max": "96"},
			map[string]string{"memory.max": "4096", "pids.max": "32"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for f, v := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(v+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := (Group{V2: tc.v2, MemoryDir: dir, CPUDir: dir, PidsDir: dir}).SetLimits(4096, 32); err != nil {
				t.Fatal(err)
			}
			for f, want := range tc.want {
				if got := string(mustRead(t, filepath.Join(dir, f))); got != want {
					t.Errorf("%s = %q, want %q", f, got, want)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "memory.memsw.limit_in_bytes")); tc.files["memory.memsw.limit_in_bytes"] == "" && err == nil {
				t.Error("SetLimits created memory.memsw.limit_in_bytes")
			}
		})
	}
	if err := (Group{MemoryDir: t.TempDir()}).SetLimits(4096, 32); err == nil {
		t.Error("SetLimits without a pids group succeeded")
	}
}

func TestLocateFailsWithoutCounters(t *testing.T) {
	_, err := Locate(t.TempDir(), []byte("0::/x\n"), []byte("35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"))
	if err == nil {
		t.Fatal("located a v2 group without memory.current")
	}
	if _, err := (Group{}).Usage(); err == nil {
		t.Fatal("the zero Group read a usage")
	}
}

func TestUnescape(t *testing.T) {
	if got := unescape(`/a\040b`); got != "/a b" {
		t.Errorf("unescape = %q", got)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
