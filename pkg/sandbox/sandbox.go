// Package sandbox owns running untrusted programs: hardened Docker containers (no network,
// read-only root, capped tmpfs, memory, pids and CPU limits, no capabilities for the program,
// no-new-privileges, a non-root uid), a warm pool of them, and the measuring agent inside each
// (package agent) that applies rlimits, enforces time and output limits and reports CPU time,
// wall time, peak memory, exit code and signal. docs/security.md states the threat model.
//
// Two isolation modes share every code path: fresh (a new container per submission, taken from
// a pool warmed ahead of need) and reuse (long-lived containers whose agent kills every process
// and wipes every writable place after each run, destroyed after MaxUses submissions or on the
// first failed wipe).
package sandbox

import (
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
)

// Isolation modes.
const (
	ModeFresh = "fresh"
	ModeReuse = "reuse"
)

// Defaults for zero fields of run.Limits.
const (
	defaultCPU       = 2 * time.Second
	defaultMemory    = 256 << 20
	defaultOutput    = 64 << 20
	defaultStderr    = 64 << 10
	defaultProcesses = 64

	// maxFileSize is the containers' hard RLIMIT_FSIZE; each run lowers the soft limit.
	maxFileSize = 1 << 30
	// compileOutputCap is how much compiler output comes back with a CE.
	compileOutputCap = 64 << 10
	// artifactCap bounds what a compile step may leave in the work directory.
	artifactCap = 256 << 20
	// DefaultCompileCacheBytes bounds the compile cache when Options leave it zero.
	DefaultCompileCacheBytes = 1 << 30
	// runUID is the unprivileged uid (and gid) programs run as: the runtime images' "judge".
	runUID = image.UID
)

// Options configure a Sandbox. Zero values take the defaults noted.
type Options struct {
	// Mode is ModeFresh or ModeReuse (default reuse).
	Mode string
	// AgentPath is the static judged binary on the host, bind-mounted read-only into every
	// container to run as its agent (default: this process's executable).
	AgentPath string
	// PoolSize is how many warm containers each image keeps (default 2).
	PoolSize int
	// MaxUses is how many submissions a reuse-mode container serves before it is replaced
	// (default config.DefaultSandboxMaxUses).
	MaxUses int
	// CPUs is each container's CPU quota (default 1).
	CPUs float64
	// WorkDirBytes, TmpBytes and ShmBytes cap the tmpfs of /box, /tmp and /dev/shm
	// (defaults 256MiB, 64MiB, 16MiB). They count against the container's memory too.
	WorkDirBytes, TmpBytes, ShmBytes int64
	// CompileCacheBytes bounds the total size of the compiled programs kept by source hash
	// (default DefaultCompileCacheBytes; negative disables the cache).
	CompileCacheBytes int64
	// Images are warmed at start (default: the images of every language whose image exists
	// locally).
	Images []string
	Logger *slog.Logger
}

func (o *Options) defaults() error {
	switch o.Mode {
	case "":
		o.Mode = ModeReuse
	case ModeFresh, ModeReuse:
	default:
		return fmt.Errorf("sandbox mode %q: want %s or %s", o.Mode, ModeFresh, ModeReuse)
	}
	if o.AgentPath == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the judged binary for the agent: %w", err)
		}
		o.AgentPath = exe
	}
	fi, err := os.Stat(o.AgentPath)
	if err != nil {
		return fmt.Errorf("agent binary: %w", err)
	}
	if !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("agent binary %s is not an executable file", o.AgentPath)
	}
	if err := checkStatic(o.AgentPath); err != nil {
		return err
	}
	if o.PoolSize <= 0 {
		o.PoolSize = 2
	}
	if o.MaxUses <= 0 {
		o.MaxUses = config.DefaultSandboxMaxUses
	}
	if o.CPUs <= 0 {
		o.CPUs = 1
	}
	if o.WorkDirBytes <= 0 {
		o.WorkDirBytes = 256 << 20
	}
	if o.TmpBytes <= 0 {
		o.TmpBytes = 64 << 20
	}
	if o.ShmBytes <= 0 {
		o.ShmBytes = 16 << 20
	}
	if o.CompileCacheBytes == 0 {
		o.CompileCacheBytes = DefaultCompileCacheBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return nil
}

// checkStatic refuses a dynamically linked agent: it runs inside images whose C library may not
// match the host's, and fails there with an obscure loader error.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("agent binary %s: %w (want a static judged binary: CGO_ENABLED=0 go build ./cmd/judged)", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("agent binary %s is dynamically linked; the sandbox mounts it into runtime images, so build judged statically (CGO_ENABLED=0 go build ./cmd/judged) or point the agent path at such a build", path)
		}
	}
	return nil
}

// Sandbox runs programs in containers. It is safe for concurrent use.
type Sandbox struct {
	docker *client.Client
	langs  *lang.Table
	opts   Options
	log    *slog.Logger

	instance string
	hostname string
	pid      int

	mu     sync.Mutex
	pools  map[string]*pool
	closed bool
	bg     sync.WaitGroup

	cache    *compileCache
	warnOnce sync.Once
}

// New sweeps containers left by crashed processes and warms a pool per image.
func New(ctx context.Context, docker *client.Client, langs *lang.Table, opts Options) (*Sandbox, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	host, _ := os.Hostname()
	s := &Sandbox{
		docker:   docker,
		langs:    langs,
		opts:     opts,
		log:      opts.Logger.With("component", "sandbox"),
		instance: hex.EncodeToString(rnd[:]),
		hostname: host,
		pid:      os.Getpid(),
		pools:    map[string]*pool{},
		cache:    newCompileCache(opts.CompileCacheBytes),
	}
	if n, err := s.Sweep(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		s.log.Info("removed sandbox containers left by dead processes", "count", n)
	}
	images := opts.Images
	if images == nil {
		for _, name := range langs.Images() {
			ref := image.Resolve(name)
			if _, err := docker.ImageInspect(ctx, ref); err == nil {
				images = append(images, ref)
			}
		}
	}
	for _, ref := range images {
		s.pool(ref).refill()
	}
	return s, nil
}

func (s *Sandbox) pool(image string) *pool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pools[image]
	if !ok {
		p = &pool{s: s, image: image}
		if s.closed {
			p.closed = true
		}
		s.pools[image] = p
	}
	return p
}

// background runs f tracked, so Close waits for container creation and removal in flight.
func (s *Sandbox) background(f func()) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		f()
	}()
}

// Close removes every container this Sandbox made. Programs still open lose their containers.
func (s *Sandbox) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	pools := make([]*pool, 0, len(s.pools))
	for _, p := range s.pools {
		pools = append(pools, p)
	}
	s.mu.Unlock()
	for _, p := range pools {
		p.close()
	}
	s.bg.Wait()
	_, err := s.removeWhere(ctx, func(labels map[string]string) bool { return labels[LabelInstance] == s.instance })
	return err
}

// Sweep removes sandbox containers whose creating process, on this host, is gone. Containers of
// live processes (other workers, other tests) are left alone.
func (s *Sandbox) Sweep(ctx context.Context) (int, error) {
	return s.removeWhere(ctx, func(labels map[string]string) bool {
		if labels[LabelHost] != s.hostname {
			return false
		}
		pid, err := strconv.Atoi(labels[LabelPID])
		if err != nil || pid <= 0 {
			return true
		}
		// Our own process may hold several Sandboxes (tests); only dead processes are swept.
		return pid != s.pid && errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	})
}

func (s *Sandbox) removeWhere(ctx context.Context, match func(map[string]string) bool) (int, error) {
	list, err := s.docker.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", LabelSandbox+"=1"),
	})
	if err != nil {
		return 0, fmt.Errorf("list sandbox containers: %w", err)
	}
	n := 0
	for _, c := range list.Items {
		if !match(c.Labels) {
			continue
		}
		s.removeBox(&box{id: c.ID})
		n++
	}
	return n, nil
}

// Instance is the value of LabelInstance on this Sandbox's containers.
func (s *Sandbox) Instance() string { return s.instance }
