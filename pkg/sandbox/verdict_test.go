package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox/agent"
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
