package sandbox

import (
	"time"

	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox/agent"
)

// withDefaults fills the zero fields of l.
func withDefaults(l run.Limits) run.Limits {
	if l.CPUTime <= 0 {
		l.CPUTime = defaultCPU
	}
	if l.MemoryBytes <= 0 {
		l.MemoryBytes = defaultMemory
	}
	if l.OutputBytes <= 0 {
		l.OutputBytes = defaultOutput
	}
	if l.StderrBytes <= 0 {
		l.StderrBytes = defaultStderr
	}
	if l.Processes <= 0 {
		l.Processes = defaultProcesses
	}
	if l.FileSizeBytes <= 0 {
		l.FileSizeBytes = l.OutputBytes
	}
	if l.WallTime <= 0 {
		l.WallTime = l.EffectiveWallTime()
	}
	return l
}

// limitsRequest copies the limits into an agent request.
func limitsRequest(req *agent.Request, l run.Limits) {
	req.CPUTimeNs = l.CPUTime.Nanoseconds()
	req.WallTimeNs = l.WallTime.Nanoseconds()
	req.OutputBytes = l.OutputBytes
	req.StderrBytes = l.StderrBytes
	req.FileSizeBytes = min(l.FileSizeBytes, maxFileSize)
	req.OpenFiles = 512
	req.StackBytes = l.MemoryBytes
}

// classify maps what the agent measured to a status. Order matters: a program killed for its
// output is OLE whatever else happened; the cgroup's OOM kill is MLE; then time; then the peak
// memory check; then how the program ended.
func classify(resp agent.Response, l run.Limits) run.Result {
	r := run.Result{
		ExitCode:        resp.ExitCode,
		Signal:          resp.Signal,
		CPUTime:         time.Duration(resp.CPUTimeNs),
		WallTime:        time.Duration(resp.WallTimeNs),
		MemoryBytes:     resp.MaxRSSBytes,
		Stdout:          resp.Stdout,
		Stderr:          resp.Stderr,
		StdoutTruncated: resp.StdoutTruncated,
	}
	switch {
	case resp.Error != "":
		r.Status, r.Message = run.IE, resp.Error
	case resp.OutputExceeded:
		r.Status, r.Message = run.OLE, "output limit exceeded"
	case resp.OOMKilled:
		r.Status, r.Message = run.MLE, "killed by the memory limit"
	case resp.CPUExceeded || r.CPUTime > l.CPUTime:
		r.Status, r.Message = run.TLE, "CPU time limit exceeded"
	case resp.WallExceeded:
		r.Status, r.Message = run.TLE, "wall time limit exceeded"
	case r.MemoryBytes > l.MemoryBytes:
		r.Status, r.Message = run.MLE, "peak memory over the limit"
	case resp.Signal != "":
		r.Status, r.Message = run.RE, "killed by "+resp.Signal
	case resp.ExitCode != 0:
		r.Status, r.Message = run.RE, "non-zero exit code"
	default:
		r.Status = run.OK
	}
	return r
}
