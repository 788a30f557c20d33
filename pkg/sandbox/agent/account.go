package agent

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// job is the state of one run shared by the reaper, the watchdog and the pipe readers.
type job struct {
	mu        sync.Mutex
	cpu       time.Duration
	maxRSS    int64
	mainPid   int
	mainState syscall.WaitStatus
	mainDone  bool
	sampled   int64 // highest VmHWM seen of the main process
}

// sampleHWM records the main process's current RSS high-water mark.
func (j *job) sampleHWM() {
	j.mu.Lock()
	pid, done := j.mainPid, j.mainDone
	j.mu.Unlock()
	if pid <= 0 || done {
		return
	}
	v := vmHWM(strconv.Itoa(pid))
	j.mu.Lock()
	if v > j.sampled {
		j.sampled = v
	}
	j.mu.Unlock()
}

// vmHWM reads the peak resident set size of /proc/<pid> in bytes (0 if unknown).
func vmHWM(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(string(b), "VmHWM:")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return 0
	}
	kb, _ := strconv.ParseInt(f[0], 10, 64)
	return kb * 1024
}

func (j *job) account(pid int, ws syscall.WaitStatus, ru *syscall.Rusage) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if rss := ru.Maxrss * 1024; rss > j.maxRSS {
		j.maxRSS = rss
	}
	if pid == j.mainPid {
		j.mainState = ws
		j.mainDone = true
	}
}
