package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
)

// Config says where the agent's container keeps its writable places and whom programs run as.
type Config struct {
	// WorkDir is the program's working directory (a tmpfs).
	WorkDir string
	// WipeDirs are emptied before and after every run (the work dir, /tmp, /dev/shm, ...).
	WipeDirs []string
	// UID and GID run the program. When they equal the agent's own ids no switch is made.
	UID, GID int
	// CgroupRoot is where the container's cgroup files are mounted.
	CgroupRoot string
	Logger     *slog.Logger
}

// DefaultConfig is the layout the host's container configuration creates.
func DefaultConfig() Config {
	return Config{
		WorkDir:    "/box",
		WipeDirs:   []string{"/box", "/tmp", "/dev/shm", "/dev/mqueue"},
		UID:        10000,
		GID:        10000,
		CgroupRoot: "/sys/fs/cgroup",
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// Agent serves requests one at a time. It must be the container's PID 1 (or a subreaper):
// it reaps every process of a run, including orphans, to account their CPU time.
type Agent struct {
	cfg Config
	cg  cgroupFiles

	// clean is set after a successful wipe and cleared when a run starts.
	clean bool
	// programID and program are the cached files of the last program (Request.ProgramID).
	programID string
	program   map[string]File

	outMu sync.Mutex
	out   io.Writer

	stdinMu sync.Mutex
	stdin   *os.File // the running interactive program's stdin, nil otherwise
	// awaiting is set from an interactive request until its program's stdin exists; input
	// arriving meanwhile is held in pending (and pendingEOF) rather than dropped.
	awaiting   bool
	pending    [][]byte
	pendingEOF bool
}

// New prepares an agent writing frames to out.
func New(cfg Config, out io.Writer) *Agent {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Agent{cfg: cfg, out: out, cg: findCgroupFiles(cfg.CgroupRoot)}
}

// Serve reads frames from in until it ends or ctx is done.
func (a *Agent) Serve(ctx context.Context, in io.Reader) error {
	// RLIMIT_CPU is set on the agent itself for the instant of each fork; a SIGXCPU that
	// reaches the agent then must not kill it.
	xcpu := make(chan os.Signal, 1)
	signal.Notify(xcpu, syscall.SIGXCPU, syscall.SIGPIPE)
	defer signal.Stop(xcpu)
	go func() {
		for range xcpu {
		}
	}()

	// An image without the judge user's work directory gets a docker-made root-owned one; the
	// program must still be able to write there.
	if fi, err := os.Stat(a.cfg.WorkDir); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != a.cfg.UID {
			_ = os.Chmod(a.cfg.WorkDir, 0o1777|os.ModeSticky)
		}
	}
	reserveThreads(16)
	if err := a.writeFrame(FrameReady, []byte(`{"version":1}`)); err != nil {
		return fmt.Errorf("send ready: %w", err)
	}
	var running sync.WaitGroup
	defer running.Wait()
	for ctx.Err() == nil {
		typ, payload, err := ReadFrame(in)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		switch typ {
		case FrameRequest:
			running.Wait() // one run at a time
			var req Request
			if err := json.Unmarshal(payload, &req); err != nil {
				if err := a.writeResult(Response{Error: fmt.Sprintf("decode request: %v", err)}); err != nil {
					return err
				}
				continue
			}
			if !req.Interactive {
				if err := a.writeResult(a.Run(&req)); err != nil {
					return err
				}
				continue
			}
			a.stdinMu.Lock()
			a.awaiting, a.pending, a.pendingEOF = true, nil, false
			a.stdinMu.Unlock()
			running.Add(1)
			go func() {
				defer running.Done()
				resp := a.Run(&req)
				a.stdinMu.Lock()
				a.awaiting, a.pending = false, nil
				a.stdinMu.Unlock()
				if err := a.writeResult(resp); err != nil {
					a.cfg.Logger.Error("send result", "err", err)
				}
			}()
		case FrameStdin, FrameStdinEOF:
			a.stdinMu.Lock()
			switch {
			case a.stdin != nil:
				a.feedStdin(typ == FrameStdinEOF, payload)
			case a.awaiting && typ == FrameStdinEOF:
				a.pendingEOF = true
			case a.awaiting:
				a.pending = append(a.pending, payload)
			}
			a.stdinMu.Unlock()
		default:
			return fmt.Errorf("unexpected frame type %q", typ)
		}
	}
	return ctx.Err()
}

// feedStdin writes to the interactive program's stdin, or closes it; stdinMu is held.
func (a *Agent) feedStdin(eof bool, p []byte) {
	if eof {
		a.stdin.Close()
		a.stdin = nil
		return
	}
	if _, err := a.stdin.Write(p); err != nil {
		// The program closed its stdin or ended; later input has nowhere to go.
		a.stdin.Close()
		a.stdin = nil
	}
}

// attachStdin makes w the interactive program's stdin and gives it what arrived early.
func (a *Agent) attachStdin(w *os.File) {
	a.stdinMu.Lock()
	defer a.stdinMu.Unlock()
	a.stdin, a.awaiting = w, false
	for _, p := range a.pending {
		if a.stdin != nil {
			a.feedStdin(false, p)
		}
	}
	if a.pendingEOF && a.stdin != nil {
		a.feedStdin(true, nil)
	}
	a.pending, a.pendingEOF = nil, false
}

// reserveThreads makes the Go runtime create n OS threads now. The runtime keeps idle threads,
// and a fork bomb fills the container's pids limit; an agent that needed a new thread then would
// die of it (Go aborts when clone fails).
func reserveThreads(n int) {
	var started, release sync.WaitGroup
	started.Add(n)
	release.Add(1)
	var done sync.WaitGroup
	done.Add(n)
	for range n {
		go func() {
			defer done.Done()
			runtime.LockOSThread()
			started.Done()
			release.Wait()
			runtime.UnlockOSThread()
		}()
	}
	started.Wait()
	release.Done()
	done.Wait()
}

func (a *Agent) writeFrame(typ byte, payload []byte) error {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	return WriteFrame(a.out, typ, payload)
}

func (a *Agent) writeResult(r Response) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	return a.writeFrame(FrameResult, b)
}
