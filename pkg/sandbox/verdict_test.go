package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox/agent"
	"github.com/judge-dev/judge/pkg/sandbox/cgroup"
)

func TestClassify(t *testing.T) {
	l := withDefaults(run.Limits{CPUTime: time.Second, MemoryBytes: 64 << 20})
	sec := int64(time.Second)
	tests := []struct {
		name string
		resp agent.Response
		want run.Status
	}{
		{"ok", agent.Response{CPUTimeNs: sec / 2}, run.OK},
		{"agent error", agent.Response{Error: "start: ENOENT"}, run.IE},
		{"output over", agent.Response{OutputExceeded: true, CPUTimeNs: 2 * sec, OOMKilled: true}, run.OLE},
		{"oom kill", agent.Response{OOMKilled: true, Signal: "SIGKILL", ExitCode: -1}, run.MLE},
		{"memory watch", agent.Response{MemoryExceeded: true, Signal: "SIGKILL", ExitCode: -1}, run.MLE},
		{"peak 1 byte over", agent.Response{PeakBytes: 64<<20 + 1}, run.MLE},
		{"cpu watch", agent.Response{CPUExceeded: true, Signal: "SIGKILL", ExitCode: -1}, run.TLE},
		{"cpu over without kill", agent.Response{CPUTimeNs: sec + 1}, run.TLE},
		{"cpu exactly at the limit", agent.Response{CPUTimeNs: sec}, run.OK},
		{"cpu 1 ms over", agent.Response{CPUTimeNs: sec + int64(time.Millisecond)}, run.TLE},
		{"sleeper", agent.Response{WallExceeded: true, Signal: "SIGKILL", ExitCode: -1}, run.TLE},
		{"peak over", agent.Response{PeakBytes: 65 << 20}, run.MLE},
		{"peak at limit", agent.Response{PeakBytes: 64 << 20}, run.OK},
		{"segfault", agent.Response{Signal: "SIGSEGV", ExitCode: -1}, run.RE},
		{"exit 1", agent.Response{ExitCode: 1}, run.RE},
	}
	for _, tc := range tests {
		if got := classify(&reply{resp: tc.resp}, l).Status; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// The host's reset-and-read of the group's peak wins over the agent's own figure; without it the
// agent's stands.
func TestReplyMemoryPrefersTheHostsPeak(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "memory.max_usage_in_bytes")
	if err := os.WriteFile(file, []byte("0"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := cgroup.Group{MemoryDir: dir, CPUDir: dir}.WatchPeak()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := os.WriteFile(file, []byte("90000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &reply{resp: agent.Response{MemoryBaseBytes: 20000000, PeakBytes: 1234}, peak: w}
	if got := r.memory(); got != 70000000 {
		t.Errorf("with the host's watch: %d, want peak - base = 70000000", got)
	}
	r.peak = nil
	if got := r.memory(); got != 1234 {
		t.Errorf("without it: %d, want the agent's 1234", got)
	}
}

func TestWithDefaults(t *testing.T) {
	l := withDefaults(run.Limits{CPUTime: 2 * time.Second})
	if l.WallTime != 7*time.Second || l.MemoryBytes != 256<<20 || l.OutputBytes != 64<<20 ||
		l.StderrBytes != 64<<10 || l.Processes != 64 || l.FileSizeBytes != 0 {
		t.Fatalf("defaults: %+v", l)
	}
}

// Files are not capped by the output limit: no RLIMIT_FSIZE unless a limit asks for one.
func TestLimitsRequestLeavesFileSizeToTheTmpfs(t *testing.T) {
	var req agent.Request
	limitsRequest(&req, withDefaults(run.Limits{OutputBytes: 8 << 20}))
	if req.FileSizeBytes != 0 || req.OutputBytes != 8<<20 || req.MemoryBytes != 256<<20 {
		t.Fatalf("request limits %+v", req)
	}
	limitsRequest(&req, withDefaults(run.Limits{FileSizeBytes: 1 << 20}))
	if req.FileSizeBytes != 1<<20 {
		t.Fatalf("an explicit file size limit was dropped: %+v", req)
	}
}

func TestCheckStaticRefusesDynamicBinaries(t *testing.T) {
	if err := checkStatic("/bin/sh"); err == nil || !strings.Contains(err.Error(), "dynamically linked") {
		t.Fatalf("/bin/sh: %v, want a dynamically linked error", err)
	}
	if err := checkStatic("/etc/passwd"); err == nil {
		t.Fatal("/etc/passwd accepted as an agent")
	}
}
