package agent

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

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

// Run executes one request: wipe, write files, run under limits, collect, wipe.
func (a *Agent) Run(req *Request) Response {
	if len(req.Argv) == 0 {
		return Response{Error: "request has an empty argv"}
	}
	// The wipe after the previous run left the container clean and nothing has run since;
	// only a first run or one after a failed wipe needs it here.
	if !a.clean {
		if err := a.wipe(); err != nil {
			return Response{Error: fmt.Sprintf("wipe before run: %v", err), Dirty: err.Error()}
		}
	}
	a.clean = false
	program, err := a.programFiles(req)
	if err != nil {
		return Response{Error: err.Error()}
	}
	if err := writeFiles(a.cfg.WorkDir, program); err != nil {
		resp := Response{Error: fmt.Sprintf("write program files: %v", err)}
		if err := a.wipe(); err != nil {
			resp.Dirty = err.Error()
		}
		return resp
	}
	if err := writeFiles(a.cfg.WorkDir, req.Files); err != nil {
		resp := Response{Error: fmt.Sprintf("write files: %v", err)}
		if err := a.wipe(); err != nil {
			resp.Dirty = err.Error()
		}
		return resp
	}
	resp := a.execute(req)
	if req.CollectDir != "" && resp.Error == "" {
		files, tooLarge, err := collect(a.cfg.WorkDir, req.CollectDir, req.CollectBytes)
		if err != nil {
			resp.Error = fmt.Sprintf("collect %s: %v", req.CollectDir, err)
		}
		resp.Files, resp.CollectTooLarge = files, tooLarge
	}
	if err := a.wipe(); err != nil {
		resp.Dirty = err.Error()
	} else {
		a.clean = true
	}
	return resp
}

// programFiles returns the request's program files, from the request or from the cache, and
// caches what the request brought.
func (a *Agent) programFiles(req *Request) (map[string]File, error) {
	if req.Program == nil {
		if req.ProgramID == "" {
			return nil, nil
		}
		if req.ProgramID != a.programID {
			return nil, fmt.Errorf("program %s is not cached here (have %q)", req.ProgramID, a.programID)
		}
		return a.program, nil
	}
	a.programID, a.program = "", nil
	var size int64
	for _, f := range req.Program {
		size += int64(len(f.Data))
	}
	if req.ProgramID != "" && size <= CacheBytes {
		a.programID, a.program = req.ProgramID, req.Program
	}
	return req.Program, nil
}

func (a *Agent) execute(req *Request) Response {
	path, err := a.resolve(req.Argv[0])
	if err != nil {
		return Response{Error: err.Error()}
	}
	env := req.Env
	if len(env) == 0 {
		env = []string{"PATH=" + defaultPath, "HOME=/tmp", "LANG=C.UTF-8", "TMPDIR=/tmp"}
	}

	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return Response{Error: fmt.Sprintf("stdin pipe: %v", err)}
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		stdinR.Close()
		stdinW.Close()
		return Response{Error: fmt.Sprintf("stdout pipe: %v", err)}
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		stdinR.Close()
		stdinW.Close()
		stdoutR.Close()
		stdoutW.Close()
		return Response{Error: fmt.Sprintf("stderr pipe: %v", err)}
	}

	sys := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if a.cfg.UID != os.Getuid() || a.cfg.GID != os.Getgid() {
		sys.Credential = &syscall.Credential{Uid: uint32(a.cfg.UID), Gid: uint32(a.cfg.GID), Groups: []uint32{}}
	}
	attr := &syscall.ProcAttr{
		Dir:   a.cfg.WorkDir,
		Env:   env,
		Files: []uintptr{stdinR.Fd(), stdoutW.Fd(), stderrW.Fd()},
		Sys:   sys,
	}

	oomBefore := a.cg.oomKills()
	// The child is forked from the agent (vfork), and the kernel keeps the agent's RSS high-water
	// mark in the child's ru_maxrss across exec. A maxrss at or under the agent's own mark
	// therefore says nothing; the program's VmHWM, sampled while it runs, stands in then.
	baseline := vmHWM("self")
	cpuBefore, cpuWatch := a.cg.cpuUsage()
	j := &job{}
	start := time.Now()
	pid, err := forkWithLimits(path, req.Argv, attr, req)
	stdinR.Close()
	stdoutW.Close()
	stderrW.Close()
	if err != nil {
		stdinW.Close()
		stdoutR.Close()
		stderrR.Close()
		return Response{Error: fmt.Sprintf("start %s: %v", req.Argv[0], err)}
	}
	j.mu.Lock()
	j.mainPid = pid
	j.mu.Unlock()
	j.sampleHWM()

	var resp Response
	var flagMu sync.Mutex
	setFlag := func(f *bool) {
		flagMu.Lock()
		*f = true
		flagMu.Unlock()
		signalOthers(syscall.SIGKILL)
	}

	var pipes sync.WaitGroup
	pipes.Add(2)
	var stdout, stderr bytes.Buffer
	go func() {
		defer pipes.Done()
		if req.Interactive {
			a.streamStdout(stdoutR, req.OutputBytes, &resp, &flagMu, func() { setFlag(&resp.OutputExceeded) })
		} else {
			if readCapped(stdoutR, &stdout, req.OutputBytes) {
				flagMu.Lock()
				resp.StdoutTruncated = true
				flagMu.Unlock()
				setFlag(&resp.OutputExceeded)
			}
		}
		stdoutR.Close()
	}()
	go func() {
		defer pipes.Done()
		readCapped(stderrR, &stderr, req.StderrBytes)
		stderrR.Close()
	}()
	stop := make(chan struct{})
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		a.watch(j, req, start, cpuBefore, cpuWatch, stop, func() { setFlag(&resp.WallExceeded) }, func() { setFlag(&resp.CPUExceeded) })
	}()

	// The watch runs first: handing early input to a program that does not read can block.
	if req.Interactive {
		a.attachStdin(stdinW)
	} else {
		go func() {
			if len(req.Stdin) > 0 {
				_, _ = stdinW.Write(req.Stdin) // EPIPE when the program does not read it all
			}
			stdinW.Close()
		}()
	}

	dirty := reapAll(j)
	wall := time.Since(start)
	close(stop)
	<-watchDone
	pipes.Wait()
	if req.Interactive {
		a.stdinMu.Lock()
		if a.stdin != nil {
			a.stdin.Close()
			a.stdin = nil
		}
		a.stdinMu.Unlock()
	}

	flagMu.Lock()
	defer flagMu.Unlock()
	resp.WallTimeNs = wall.Nanoseconds()
	resp.CPUTimeNs = j.cpu.Nanoseconds()
	resp.MaxRSSBytes = j.maxRSS
	if j.maxRSS <= baseline && j.sampled > 0 {
		resp.MaxRSSBytes = j.sampled
	}
	resp.Stdout = stdout.Bytes()
	resp.Stderr = stderr.Bytes()
	ws := j.mainState
	switch {
	case ws.Exited():
		resp.ExitCode = ws.ExitStatus()
	case ws.Signaled():
		resp.ExitCode = -1
		resp.Signal = unix.SignalName(ws.Signal())
		if resp.Signal == "" {
			resp.Signal = fmt.Sprintf("signal %d", int(ws.Signal()))
		}
	}
	resp.OOMKilled = a.cg.oomKills() > oomBefore
	if dirty != nil {
		resp.Dirty = dirty.Error()
	}
	return resp
}

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
// (children it left behind, orphans reparented to the agent), accounting all their rusage.
func reapAll(j *job) error {
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
			return fmt.Errorf("wait for program: %w", err)
		}
		j.account(pid, ws, &ru)
	}
	return killRest(j)
}

// killRest kills every process in the container but the agent and reaps them.
func killRest(j *job) error {
	deadline := time.Now().Add(5 * time.Second)
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	for {
		n := signalOthers(syscall.SIGKILL)
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
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d processes survive SIGKILL", n)
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

// watch enforces the wall-time cap and, when the cgroup's CPU counter is readable, the CPU limit
// over all processes of the run.
func (a *Agent) watch(j *job, req *Request, start time.Time, cpuBefore int64, cpuOK bool, stop <-chan struct{}, onWall, onCPU func()) {
	var wall <-chan time.Time
	if req.WallTimeNs > 0 {
		t := time.NewTimer(time.Duration(req.WallTimeNs) - time.Since(start))
		defer t.Stop()
		wall = t.C
	}
	var tick <-chan time.Time
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	tick = t.C
	for {
		select {
		case <-stop:
			return
		case <-wall:
			onWall()
			return
		case <-tick:
			j.sampleHWM()
			if !cpuOK || req.CPUTimeNs <= 0 {
				continue
			}
			if used, ok := a.cg.cpuUsage(); ok && used-cpuBefore > req.CPUTimeNs {
				onCPU()
				return
			}
		}
	}
}

// readCapped reads r to the end, keeping at most max bytes (0 = keep none); it reports whether
// more than max arrived.
func readCapped(r io.Reader, buf *bytes.Buffer, max int64) bool {
	over := false
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			room := max - int64(buf.Len())
			if int64(n) > room {
				if room > 0 {
					buf.Write(chunk[:room])
				}
				if !over {
					over = true
				}
			} else {
				buf.Write(chunk[:n])
			}
		}
		if err != nil {
			return over
		}
	}
}

// streamStdout forwards an interactive program's stdout as frames, counting against max.
func (a *Agent) streamStdout(r io.Reader, max int64, resp *Response, mu *sync.Mutex, onOver func()) {
	chunk := make([]byte, 32<<10)
	var total int64
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			total += int64(n)
			if max > 0 && total > max {
				mu.Lock()
				resp.StdoutTruncated = true
				mu.Unlock()
				onOver()
				_, _ = io.Copy(io.Discard, r)
				return
			}
			if werr := a.writeFrame(FrameStdout, chunk[:n]); werr != nil {
				onOver()
				_, _ = io.Copy(io.Discard, r)
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// resolve turns argv[0] into a path: with a slash it is relative to the work directory, without
// one it is looked up in PATH.
func (a *Agent) resolve(name string) (string, error) {
	if strings.Contains(name, "/") {
		if !filepath.IsAbs(name) {
			name = filepath.Join(a.cfg.WorkDir, name)
		}
		return name, nil
	}
	for _, dir := range filepath.SplitList(defaultPath) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in PATH %s", name, defaultPath)
}
