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
	"runtime/debug"
	"sync"
	"syscall"

	"github.com/judge-dev/judge/pkg/sandbox/cgroup"
)

// Config says where the agent's container keeps its writable places and whom programs run as.
type Config struct {
	// WorkDir is the program's working directory (a tmpfs).
	WorkDir string
	// WipeDirs are emptied before and after every run (the work dir, /tmp, /dev/shm, ...).
	WipeDirs []string
	// UID and GID run the program. When they equal the agent's own ids no switch is made.
	UID, GID int
	// Cgroup is the container's group as the agent sees it; the zero Group falls back to
	// rusage for CPU and to the processes' own peaks for memory.
	Cgroup *cgroup.Group
	Logger *slog.Logger
}

// DefaultConfig is the layout the host's container configuration creates.
func DefaultConfig() Config {
	return Config{
		WorkDir:  "/box",
		WipeDirs: []string{"/box", "/tmp", "/dev/shm", "/dev/mqueue"},
		UID:      10000,
		GID:      10000,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// memoryLimit is the Go heap the agent aims to stay under (a soft limit: the runtime collects
// harder as it nears it). The agent only ever holds fixed-size buffers, so it stays far below.
const memoryLimit = 12 << 20

// Agent serves requests one at a time. It must be the container's PID 1 (or a subreaper):
// it reaps every process of a run, including orphans.
type Agent struct {
	cfg Config
	// cg reads the container's group through files kept open for the agent's life.
	cg *cgroup.Counters

	// clean is set after a successful wipe and cleared when a run starts.
	clean bool
	// unsettled is set when the last run left processes behind to kill: the group's usage
	// still falls for a while after, and the next run waits for it to settle.
	unsettled bool
	// programID names the program files kept in the work directory (Request.ProgramID).
	programID string
	kept      map[string]keptFile

	out *Writer
	// buf is the one buffer files are copied through, in and out.
	buf []byte

	stdinMu sync.Mutex
	stdin   *os.File // the running interactive program's stdin, nil otherwise
	// attached is open from an interactive request until its program's stdin exists (or the
	// run failed to start); input arriving meanwhile waits for it rather than being held.
	attached chan struct{}
}

// New prepares an agent writing frames to out.
func New(cfg Config, out io.Writer) *Agent {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a := &Agent{cfg: cfg, out: NewWriter(out), buf: make([]byte, 64<<10)}
	var g cgroup.Group
	if cfg.Cgroup != nil {
		g = *cfg.Cgroup
	} else if self, err := cgroup.Self(); err == nil {
		g = self
	} else {
		cfg.Logger.Warn("no cgroup counters; CPU from rusage, memory from the processes' peaks", "err", err)
	}
	a.cg = g.Open()
	return a
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
	debug.SetMemoryLimit(memoryLimit)

	// An image without the judge user's work directory gets a docker-made root-owned one; the
	// program must still be able to write there.
	if fi, err := os.Stat(a.cfg.WorkDir); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != a.cfg.UID {
			_ = os.Chmod(a.cfg.WorkDir, 0o1777|os.ModeSticky)
		}
	}
	reserveThreads(16)
	if err := a.out.Frame(FrameReady, []byte(`{"version":2}`)); err != nil {
		return fmt.Errorf("send ready: %w", err)
	}
	fr := NewReader(in)
	var running sync.WaitGroup
	defer running.Wait()
	for ctx.Err() == nil {
		typ, payload, err := fr.Next()
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
				// The data that follows cannot be told from frames to come: stop.
				return fmt.Errorf("decode request: %w", err)
			}
			data := NewDataReader(fr, req.DataBytes())
			stdin, resp := a.prepare(&req, data)
			if err := data.Drain(); err != nil {
				return fmt.Errorf("read request data: %w", err)
			}
			if resp != nil {
				if err := a.out.JSON(FrameResult, resp); err != nil {
					return err
				}
				continue
			}
			if !req.Interactive {
				if err := a.out.JSON(FrameResult, a.run(&req, stdin)); err != nil {
					return err
				}
				continue
			}
			a.stdinMu.Lock()
			a.attached = make(chan struct{})
			a.stdinMu.Unlock()
			running.Add(1)
			go func() {
				defer running.Done()
				resp := a.run(&req, nil)
				a.attachStdin(nil) // in case the program never started
				if err := a.out.JSON(FrameResult, resp); err != nil {
					a.cfg.Logger.Error("send result", "err", err)
				}
			}()
		case FrameStdin, FrameStdinEOF:
			a.stdinMu.Lock()
			wait := a.attached
			a.stdinMu.Unlock()
			if wait != nil {
				<-wait
			}
			a.stdinMu.Lock()
			if a.stdin != nil {
				a.feedStdin(typ == FrameStdinEOF, payload)
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

// attachStdin makes w the interactive program's stdin (nil: there is none) and lets input that
// waited for it through.
func (a *Agent) attachStdin(w *os.File) {
	a.stdinMu.Lock()
	defer a.stdinMu.Unlock()
	if a.attached == nil {
		return
	}
	a.stdin = w
	close(a.attached)
	a.attached = nil
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
