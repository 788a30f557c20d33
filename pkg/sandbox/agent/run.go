package agent

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

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
	errFd := stderrW.Fd()
	if req.StderrToStdout {
		errFd = stdoutW.Fd() // 2>&1: the stderr pipe then only sees EOF
	}
	attr := &syscall.ProcAttr{
		Dir:   a.cfg.WorkDir,
		Env:   env,
		Files: []uintptr{stdinR.Fd(), stdoutW.Fd(), errFd},
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
