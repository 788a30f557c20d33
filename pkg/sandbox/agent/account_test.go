package agent

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/sandbox/cgroup"
)

// fakeGroup is a cgroup v1 tree in a temporary directory whose counters the test sets.
type fakeGroup struct {
	t   *testing.T
	dir string
}

func newFakeGroup(t *testing.T) (fakeGroup, cgroup.Group) {
	f := fakeGroup{t: t, dir: t.TempDir()}
	f.set(0, 10<<20, 30<<20, 0)
	return f, cgroup.Group{MemoryDir: f.dir, CPUDir: f.dir}
}

func (f fakeGroup) set(cpu time.Duration, usage, peak, oomKills int64) {
	f.t.Helper()
	for name, v := range map[string]string{
		"cpuacct.usage":             strconv.FormatInt(int64(cpu), 10),
		"memory.usage_in_bytes":     strconv.FormatInt(usage, 10),
		"memory.max_usage_in_bytes": strconv.FormatInt(peak, 10),
		"memory.oom_control":        "oom_kill_disable 0\nunder_oom 0\noom_kill " + strconv.FormatInt(oomKills, 10) + "\n",
	} {
		if err := os.WriteFile(filepath.Join(f.dir, name), []byte(v+"\n"), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
}

func TestMeterFromTheGroup(t *testing.T) {
	cases := []struct {
		name          string
		usage, peak   int64 // at the end of the run
		sampled       int64 // a usage the watch saw during the run (0: none)
		oom           int64
		wantPeak      int64
		wantOOMKilled bool
	}{
		// base usage 10 MiB, group peak 30 MiB (an earlier run) at the start.
		{name: "peak rose during the run: exact", usage: 12 << 20, peak: 50 << 20, wantPeak: 40 << 20},
		{name: "an earlier run peaked higher: the samples", usage: 12 << 20, peak: 30 << 20, sampled: 25 << 20, wantPeak: 15 << 20},
		{name: "nothing seen above the base", usage: 10 << 20, peak: 30 << 20, wantPeak: 0},
		{name: "oom kill counted", usage: 10 << 20, peak: 80 << 20, oom: 1, wantPeak: 70 << 20, wantOOMKilled: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, g := newFakeGroup(t)
			a := &Agent{cg: g.Open()}
			defer a.cg.Close()
			m := a.startMeter()
			if c.sampled > 0 {
				f.set(0, c.sampled, 30<<20, 0)
				if used, ok := m.sample(); !ok || used != c.sampled-10<<20 {
					t.Fatalf("sample = %d, %v; want the run's share %d", used, ok, c.sampled-10<<20)
				}
			}
			f.set(700*time.Millisecond, c.usage, c.peak, c.oom)
			var resp Response
			m.finish(&resp, &job{})
			if resp.PeakBytes != c.wantPeak || resp.MemoryBaseBytes != 10<<20 || resp.OOMKilled != c.wantOOMKilled {
				t.Errorf("peak %d base %d oom %v; want %d, %d, %v", resp.PeakBytes, resp.MemoryBaseBytes, resp.OOMKilled, c.wantPeak, 10<<20, c.wantOOMKilled)
			}
			// The group's 700 ms minus the agent's own CPU meanwhile (this test's, a little).
			cpu := time.Duration(resp.CPUTimeNs)
			if !resp.CPUFromCgroup || cpu > 700*time.Millisecond || cpu < 600*time.Millisecond {
				t.Errorf("cpu %v from cgroup %v; want 700ms less the agent's own", cpu, resp.CPUFromCgroup)
			}
		})
	}
}

func TestMeterWithoutAGroupFallsBackToRusage(t *testing.T) {
	m := (&Agent{}).startMeter()
	j := &job{cpu: 123 * time.Millisecond, maxRSS: 5 << 20}
	var resp Response
	m.finish(&resp, j)
	if resp.CPUFromCgroup || resp.CPUTimeNs != int64(123*time.Millisecond) || resp.PeakBytes != 5<<20 {
		t.Fatalf("fallback: %+v", resp)
	}
	if _, ok := m.cpu(); ok {
		t.Fatal("a meter without a group claimed a CPU figure")
	}
}
