package sandboxed

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"

	docker "github.com/moby/moby/client"

	"github.com/judge-dev/judge/pkg/engine"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// The sandbox's isolation modes, for callers that reach the sandbox only through this package.
const (
	ModeFresh = sandbox.ModeFresh
	ModeReuse = sandbox.ModeReuse
)

// LocalOptions configure a local engine.
type LocalOptions struct {
	// Mode is ModeFresh or ModeReuse.
	Mode string
	// AgentPath is the static judged binary mounted into containers as the agent.
	AgentPath string
	Logger    *slog.Logger
}

// Local is an engine on the local Docker engine (DOCKER_HOST, or JUDGE_DOCKER_HOST when set),
// for `judgectl problem verify --local`. Close it when done.
type Local struct {
	*engine.Engine
	docker *docker.Client
	sb     *sandbox.Sandbox

	mu        sync.Mutex
	available map[string]bool
}

// OpenLocal connects to the local Docker engine and starts a sandbox on it.
func OpenLocal(ctx context.Context, langs *lang.Table, opts LocalOptions) (*Local, error) {
	copts := []docker.Opt{docker.FromEnv}
	if h := os.Getenv("JUDGE_DOCKER_HOST"); h != "" {
		copts = append(copts, docker.WithHost(h))
	}
	dc, err := docker.New(copts...)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	sb, err := sandbox.New(ctx, dc, langs, sandbox.Options{Mode: opts.Mode, AgentPath: opts.AgentPath, PoolSize: 1, Logger: opts.Logger})
	if err != nil {
		dc.Close()
		return nil, fmt.Errorf("start the sandbox: %w", err)
	}
	return &Local{Engine: New(sb, langs), docker: dc, sb: sb, available: map[string]bool{}}, nil
}

// Available says whether l's runtime image is built on this engine (remembered per image).
func (l *Local) Available(ctx context.Context, lg lang.Language) bool {
	ref := image.Resolve(lg.Image)
	l.mu.Lock()
	defer l.mu.Unlock()
	if ok, seen := l.available[ref]; seen {
		return ok
	}
	ok, err := image.Exists(ctx, l.docker, ref)
	l.available[ref] = err == nil && ok
	return l.available[ref]
}

// Close stops the sandbox (removing its containers) and closes the Docker client.
func (l *Local) Close(ctx context.Context) error {
	err := l.sb.Close(ctx)
	l.docker.Close()
	return err
}
