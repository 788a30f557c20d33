package agent

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// forkWithLimits starts the program with soft rlimits inherited from the agent. Go cannot run
// code between fork and exec, so the limits are set on the agent for the instant of the fork
// (the agent serves one run at a time) and restored at once. Hard limits stay those of the
// container: lowering them would be irreversible for the agent, which lacks CAP_SYS_RESOURCE.
func forkWithLimits(path string, argv []string, attr *syscall.ProcAttr, req *Request) (int, error) {
	type lim struct {
		res int
		cur uint64
	}
	var lims []lim
	if req.CPUTimeNs > 0 {
		// A backstop only: the agent's own CPU watch kills first, counting all processes.
		secs := uint64((req.CPUTimeNs+int64(time.Second)-1)/int64(time.Second)) + 1
		lims = append(lims, lim{unix.RLIMIT_CPU, secs})
	}
	if req.FileSizeBytes > 0 {
		lims = append(lims, lim{unix.RLIMIT_FSIZE, uint64(req.FileSizeBytes)})
	}
	if req.OpenFiles > 0 {
		lims = append(lims, lim{unix.RLIMIT_NOFILE, uint64(req.OpenFiles)})
	}
	if req.StackBytes > 0 {
		lims = append(lims, lim{unix.RLIMIT_STACK, uint64(req.StackBytes)})
	}
	lims = append(lims, lim{unix.RLIMIT_CORE, 0})

	saved := make([]unix.Rlimit, len(lims))
	for i, l := range lims {
		if err := unix.Getrlimit(l.res, &saved[i]); err != nil {
			return 0, fmt.Errorf("getrlimit %d: %w", l.res, err)
		}
	}
	defer func() {
		for i, l := range lims {
			_ = unix.Setrlimit(l.res, &saved[i])
		}
	}()
	for i, l := range lims {
		cur := l.cur
		if saved[i].Max != unix.RLIM_INFINITY && cur > saved[i].Max {
			cur = saved[i].Max
		}
		if err := unix.Setrlimit(l.res, &unix.Rlimit{Cur: cur, Max: saved[i].Max}); err != nil {
			return 0, fmt.Errorf("setrlimit %d: %w", l.res, err)
		}
	}
	return syscall.ForkExec(path, argv, attr)
}

// reapAll waits for the main process, then kills and reaps every other process of the run
// (children it left behind, orphans reparented to the agent), accounting all their rusage. It
// reports how many processes were left behind.
func reapAll(j *job) (int, error) {
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	for {
		j.mu.Lock()
		done := j.mainDone
		j.mu.Unlock()
		if done {
			break
		}
		pid, err := syscall.Wait4(-1, &ws, 0, &ru)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("wait for program: %w", err)
		}
		j.account(pid, ws, &ru)
	}
	return killCount(j)
}

// killRest kills every process in the container but the agent and reaps them. It reports how
// many it found.
func killRest(j *job) error {
	_, err := killCount(j)
	return err
}

func killCount(j *job) (int, error) {
	deadline := time.Now().Add(5 * time.Second)
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	found := 0
	for {
		n := signalOthers(syscall.SIGKILL)
		found = max(found, n)
		reaped := false
		for {
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, &ru)
			if err == syscall.EINTR {
				continue
			}
			if err != nil || pid <= 0 {
				break
			}
			reaped = true
			if j != nil {
				j.account(pid, ws, &ru)
			}
		}
		if n == 0 {
			return found, nil
		}
		if time.Now().After(deadline) {
			return found, fmt.Errorf("%d processes survive SIGKILL", n)
		}
		if !reaped {
			time.Sleep(200 * time.Microsecond)
		}
	}
}

// signalOthers sends sig to every process in the container's PID namespace except the agent
// and returns how many it saw (zombies included, so the caller keeps reaping).
func signalOthers(sig syscall.Signal) int {
	self := os.Getpid()
	d, err := os.Open("/proc")
	if err != nil {
		return 0
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	n := 0
	for _, name := range names {
		pid := 0
		for _, c := range name {
			if c < '0' || c > '9' {
				pid = -1
				break
			}
			pid = pid*10 + int(c-'0')
		}
		if pid <= 0 || pid == self {
			continue
		}
		n++
		_ = syscall.Kill(pid, sig)
	}
	return n
}
