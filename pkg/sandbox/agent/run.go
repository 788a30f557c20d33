package agent

import (
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

// stdinName is where a run's input is written before it is opened and unlinked: the program gets
// it as its stdin and never sees the name.
const stdinName = ".judge-stdin"

// prepare wipes what needs wiping and writes the request's files from data. A non-nil Response
// ends the request (the judge's fault); otherwise stdin is the non-interactive run's input.
func (a *Agent) prepare(req *Request, data io.Reader) (stdin *os.File, _ *Response) {
	fail := func(format string, args ...any) (*os.File, *Response) {
		resp := &Response{Error: fmt.Sprintf(format, args...)}
		if stdin != nil {
			stdin.Close()
		}
		if err := a.wipe(); err != nil {
			resp.Dirty = err.Error()
		} else {
			a.clean = true
		}
		return nil, resp
	}
	if len(req.Argv) == 0 {
		return fail("request has an empty argv")
	}
	keep := req.Program == nil && req.ProgramID != ""
	if keep && req.ProgramID != a.programID {
		return fail("program %s is not kept here (have %q)", req.ProgramID, a.programID)
	}
	if !keep && a.programID != "" {
		// Another program: its files go with the wipe.
		a.programID, a.kept, a.clean = "", nil, false
	}
	// The wipe after the previous run left the container clean and nothing has run since;
	// only a first run, a new program or one after a failed wipe needs it here.
	if !a.clean {
		if err := a.wipe(); err != nil {
			return fail("wipe before run: %v", err)
		}
	}
	a.clean = false
	if req.Program != nil {
		kept := make(map[string]keptFile, len(req.Program))
		for _, h := range req.Program {
			k, err := writeFile(a.cfg.WorkDir, h, data, a.buf)
			if err != nil {
				return fail("write program files: %v", err)
			}
			kept[h.Name] = k
		}
		if req.ProgramID != "" {
			a.programID, a.kept = req.ProgramID, kept
		}
	}
	for _, h := range req.Files {
		if _, err := writeFile(a.cfg.WorkDir, h, data, a.buf); err != nil {
			return fail("write files: %v", err)
		}
	}
	if req.Interactive {
		return nil, nil
	}
	f, err := a.writeStdin(req.StdinBytes, data)
	if err != nil {
		return fail("write stdin: %v", err)
	}
	return f, nil
}

// writeStdin stores n bytes of input in the work directory and returns it opened for reading,
// unlinked; no program process exists yet, so none can see it by name.
func (a *Agent) writeStdin(n int64, data io.Reader) (*os.File, error) {
	if n == 0 {
		return os.Open(os.DevNull)
	}
	name := filepath.Join(a.cfg.WorkDir, stdinName)
	if _, err := writeFile(a.cfg.WorkDir, FileHeader{Name: stdinName, Mode: 0o400, Size: n}, data, a.buf); err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if rerr := os.Remove(name); err == nil && rerr != nil {
		f.Close()
		return nil, rerr
	}
	return f, err
}

// run executes a prepared request: run under limits, collect, wipe.
func (a *Agent) run(req *Request, stdin *os.File) Response {
	resp := a.execute(req, stdin)
	if req.CollectDir != "" && resp.Error == "" {
		tooLarge, bad, err := collect(a.cfg.WorkDir, req.CollectDir, req.CollectBytes, a.sendFile)
		if err != nil {
			resp.Error = fmt.Sprintf("collect %s: %v", req.CollectDir, err)
		}
		resp.CollectTooLarge, resp.BadNames = tooLarge, bad
	}
	if err := a.wipe(); err != nil {
		resp.Dirty = err.Error()
	} else {
		a.clean = true
	}
	return resp
}

// sendFile streams one collected file to the host.
func (a *Agent) sendFile(h FileHeader, f *os.File) error {
	if err := a.out.JSON(FrameFileHeader, h); err != nil {
		return err
	}
	left := h.Size
	for left > 0 {
		n, err := io.ReadFull(f, a.buf[:min(int64(len(a.buf)), left)])
		if err != nil {
			return fmt.Errorf("read %s: %w", h.Name, err)
		}
		if err := a.out.Frame(FrameData, a.buf[:n]); err != nil {
			return err
		}
		left -= int64(n)
	}
	return nil
}

func (a *Agent) execute(req *Request, stdin *os.File) Response {
	path, err := a.resolve(req.Argv[0])
	if err != nil {
		if stdin != nil {
			stdin.Close()
		}
		return Response{Error: err.Error()}
	}
	env := req.Env
	if len(env) == 0 {
		env = []string{"PATH=" + defaultPath, "HOME=/tmp", "LANG=C.UTF-8", "TMPDIR=/tmp"}
	}
	var stdinW *os.File
	if stdin == nil {
		r, w, err := os.Pipe()
		if err != nil {
			return Response{Error: fmt.Sprintf("stdin pipe: %v", err)}
		}
		stdin, stdinW = r, w
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		closeAll(stdin, stdinW)
		return Response{Error: fmt.Sprintf("stdout pipe: %v", err)}
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		closeAll(stdin, stdinW, stdoutR, stdoutW)
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
		Files: []uintptr{stdin.Fd(), stdoutW.Fd(), errFd},
		Sys:   sys,
	}

	m := a.startMeter()
	j := &job{}
	start := time.Now()
	pid, err := forkWithLimits(path, req.Argv, attr, req)
	closeAll(stdin, stdoutW, stderrW)
	if err != nil {
		closeAll(stdinW, stdoutR, stderrR)
		return Response{Error: fmt.Sprintf("start %s: %v", req.Argv[0], err)}
	}
	// The program, and every child it makes, is the OOM killer's first choice over the agent.
	_ = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/oom_score_adj", []byte("1000"), 0)
	j.mu.Lock()
	j.mainPid = pid
	j.mu.Unlock()

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
	go func() {
		defer pipes.Done()
		n := a.forward(stdoutR, FrameStdout, req.OutputBytes, func() { setFlag(&resp.OutputExceeded) })
		flagMu.Lock()
		resp.StdoutBytes = n
		flagMu.Unlock()
		stdoutR.Close()
	}()
	go func() {
		defer pipes.Done()
		a.forward(stderrR, FrameStderr, req.StderrBytes, nil)
		stderrR.Close()
	}()
	stop := make(chan struct{})
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		a.watch(m, req, start, stop, func() { setFlag(&resp.WallExceeded) }, func() { setFlag(&resp.CPUExceeded) },
			func() { setFlag(&resp.MemoryExceeded) })
	}()

	if req.Interactive {
		a.attachStdin(stdinW)
	}

	left, dirty := reapAll(j)
	// The kernel frees what killed processes held (stacks, page tables) a little later; the
	// next run's base must not count memory that is about to go.
	a.unsettled = left > 0
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
	m.finish(&resp, j)
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
	if dirty != nil {
		resp.Dirty = dirty.Error()
	}
	return resp
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}

// watch enforces the wall-time cap and the CPU limit over all processes of the run, and samples
// the group's memory.
func (a *Agent) watch(m *meter, req *Request, start time.Time, stop <-chan struct{}, onWall, onCPU, onMemory func()) {
	var wall <-chan time.Time
	if req.WallTimeNs > 0 {
		t := time.NewTimer(time.Duration(req.WallTimeNs) - time.Since(start))
		defer t.Stop()
		wall = t.C
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-wall:
			onWall()
			return
		case <-t.C:
			if used, ok := m.sample(); ok && req.MemoryBytes > 0 && used > req.MemoryBytes {
				onMemory()
				return
			}
			if req.CPUTimeNs <= 0 {
				continue
			}
			if used, ok := m.cpu(); ok && used > time.Duration(req.CPUTimeNs) {
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
