package agent

import (
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/judge-dev/judge/pkg/sandbox/cgroup"
)

// job is the state of one run shared by the reaper and the watchdog.
type job struct {
	mu        sync.Mutex
	cpu       time.Duration // rusage of the processes reaped: the fallback without a cgroup
	maxRSS    int64         // largest ru_maxrss reaped: the fallback without a cgroup
	mainPid   int
	mainState syscall.WaitStatus
	mainDone  bool
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

// meter measures one run from the container's group: CPU is the group's counter minus the
// agent's own CPU over the run, so every process of the run counts however it ended (reaped by
// anyone, detached, killed); memory is the group's high-water mark above its usage when the
// program started.
type meter struct {
	cg                *cgroup.Counters
	cpuOK, memOK      bool
	cpu0, self0       time.Duration
	base, peak0, oom0 int64
	mu                sync.Mutex
	sampled           int64 // highest usage seen by sample
}

func (a *Agent) startMeter() *meter {
	m := &meter{cg: a.cg}
	var err error
	if m.cpu0, err = m.cg.CPU(); err == nil {
		m.cpuOK = true
		m.self0 = selfCPU()
	}
	if a.unsettled {
		settle(m.cg)
		a.unsettled = false
	}
	if m.base, err = m.cg.Usage(); err == nil {
		m.memOK = true
		m.peak0, _ = m.cg.Peak()
		m.oom0, _ = m.cg.OOMKills()
		m.sampled = m.base
	}
	return m
}

// settle waits until the group's usage has stopped falling: unchanged (within 64 KiB, the
// counter's per-CPU fuzz) over 20 ms, or 1 s at most. The kernel frees killed processes' stacks
// and task structures after an RCU grace period, which on a loaded machine takes tens of ms.
func settle(cg *cgroup.Counters) {
	prev, err := cg.Usage()
	if err != nil {
		return
	}
	stable := 0
	for range 200 {
		time.Sleep(5 * time.Millisecond)
		cur, err := cg.Usage()
		if err != nil {
			return
		}
		if prev-cur < 64<<10 {
			stable++
			if stable == 4 {
				return
			}
		} else {
			stable = 0
		}
		prev = min(prev, cur)
	}
}

// selfCPU is the agent's own user+system time, all threads.
func selfCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpu is the run's CPU time so far.
func (m *meter) cpu() (time.Duration, bool) {
	if !m.cpuOK {
		return 0, false
	}
	now, err := m.cg.CPU()
	if err != nil {
		return 0, false
	}
	return max(0, now-m.cpu0-(selfCPU()-m.self0)), true
}

// sample records the group's memory usage now (the fallback when its peak cannot be trusted)
// and returns the run's share of it.
func (m *meter) sample() (int64, bool) {
	if !m.memOK {
		return 0, false
	}
	v, err := m.cg.Usage()
	if err != nil {
		return 0, false
	}
	m.mu.Lock()
	m.sampled = max(m.sampled, v)
	m.mu.Unlock()
	return v - m.base, true
}

// finish fills resp's CPU and memory after every process of the run is gone.
func (m *meter) finish(resp *Response, j *job) {
	j.mu.Lock()
	resp.CPUTimeNs = j.cpu.Nanoseconds()
	resp.PeakBytes = j.maxRSS
	j.mu.Unlock()
	if cpu, ok := m.cpu(); ok {
		resp.CPUTimeNs, resp.CPUFromCgroup = cpu.Nanoseconds(), true
	}
	if !m.memOK {
		return
	}
	m.sample()
	resp.MemoryBaseBytes = m.base
	m.mu.Lock()
	peak := m.sampled
	m.mu.Unlock()
	// The group's high-water mark is exact when it rose during the run; when an earlier run
	// set it higher (and the host could not reset it) the samples are all there is.
	if p, err := m.cg.Peak(); err == nil && p > m.peak0 {
		peak = max(peak, p)
	}
	resp.PeakBytes = max(0, peak-m.base)
	if n, err := m.cg.OOMKills(); err == nil && n > m.oom0 {
		resp.OOMKilled = true
	}
}
