package sandbox

import (
	"fmt"
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
	if l.WallTime <= 0 {
		l.WallTime = l.EffectiveWallTime()
	}
	return l
}

// limitsRequest copies the limits into an agent request. Files are not capped by the output
// limit (stdout is, as it arrives): a scratch file is bounded by its tmpfs, and its pages by the
// memory limit. FileSizeBytes, when set, lowers RLIMIT_FSIZE.
func limitsRequest(req *agent.Request, l run.Limits) {
	req.CPUTimeNs = l.CPUTime.Nanoseconds()
	req.WallTimeNs = l.WallTime.Nanoseconds()
	req.MemoryBytes = l.MemoryBytes
	req.OutputBytes = l.OutputBytes
	req.StderrBytes = l.StderrBytes
	if l.FileSizeBytes > 0 {
		req.FileSizeBytes = min(l.FileSizeBytes, maxFileSize)
	}
	req.OpenFiles = 512
	req.StackBytes = l.MemoryBytes
}

// classify maps what the agent measured to a status. Order matters: a program killed for its
// output is OLE whatever else happened; a memory kill (the agent's watch or the kernel's OOM
// killer) is MLE; then time; then the peak memory check; then how the program ended.
func classify(r *reply, l run.Limits) run.Result {
	resp := r.resp
	res := run.Result{
		ExitCode:        resp.ExitCode,
		Signal:          resp.Signal,
		CPUTime:         time.Duration(resp.CPUTimeNs),
		WallTime:        time.Duration(resp.WallTimeNs),
		MemoryBytes:     r.memory(),
		Stdout:          r.stdout,
		Stderr:          r.stderr,
		StdoutTruncated: resp.OutputExceeded,
	}
	switch {
	case resp.Error != "":
		res.Status, res.Message = run.IE, resp.Error
	case resp.OutputExceeded:
		res.Status, res.Message = run.OLE, fmt.Sprintf("output limit exceeded (more than %d bytes on stdout)", l.OutputBytes)
	case resp.OOMKilled || resp.MemoryExceeded:
		res.Status, res.Message = run.MLE, "killed by the memory limit"
	case resp.CPUExceeded || res.CPUTime > l.CPUTime:
		res.Status, res.Message = run.TLE, "CPU time limit exceeded"
	case resp.WallExceeded:
		res.Status, res.Message = run.TLE, "wall time limit exceeded"
	case res.MemoryBytes > l.MemoryBytes:
		res.Status, res.Message = run.MLE, "peak memory over the limit"
	case resp.Signal != "":
		res.Status, res.Message = run.RE, "killed by "+resp.Signal
	case resp.ExitCode != 0:
		res.Status, res.Message = run.RE, "non-zero exit code"
	default:
		res.Status = run.OK
	}
	return res
}
