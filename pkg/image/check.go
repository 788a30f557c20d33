package image

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"golang.org/x/sys/unix"

	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
)

//go:embed testdata/hello
var helloFS embed.FS

// The check program reads two integers and prints their sum; the values need 64 bits.
const (
	checkInput  = "1000000000 2000000000\n"
	checkOutput = "3000000000"
)

// Hello returns the embedded check program of language id.
func Hello(id string) ([]byte, bool) {
	matches, _ := fs.Glob(helloFS, "testdata/hello/"+id+".*") // the pattern is valid for any id: ids have no metacharacters
	for _, m := range matches {
		if strings.TrimSuffix(path.Base(m), path.Ext(m)) == id {
			b, err := helloFS.ReadFile(m)
			return b, err == nil
		}
	}
	return nil, false
}

// CheckDocker is the part of the moby client that Check needs.
type CheckDocker interface {
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ContainerCreate(ctx context.Context, opts client.ContainerCreateOptions) (client.ContainerCreateResult, error)
	ContainerStart(ctx context.Context, id string, opts client.ContainerStartOptions) (client.ContainerStartResult, error)
	ContainerRemove(ctx context.Context, id string, opts client.ContainerRemoveOptions) (client.ContainerRemoveResult, error)
	ExecCreate(ctx context.Context, id string, opts client.ExecCreateOptions) (client.ExecCreateResult, error)
	ExecAttach(ctx context.Context, execID string, opts client.ExecAttachOptions) (client.ExecAttachResult, error)
	ExecInspect(ctx context.Context, execID string, opts client.ExecInspectOptions) (client.ExecInspectResult, error)
}

// CheckResult is the outcome of compiling and running one language's check program.
type CheckResult struct {
	Language string
	// Image is the resolved image reference.
	Image string
	// Compile and Run are wall times of the steps, including the engine's exec overhead.
	Compile time.Duration
	Run     time.Duration
	OK      bool
	// Skipped says why the language was not checked (no check program for it); not a failure.
	Skipped string
	// Err says what failed; Output holds the failing step's output.
	Err    error
	Output string
}

// CheckLabel marks the containers Check creates, so leftovers can be found and removed.
const CheckLabel = "judge.image-check"

// maxStepOutput caps what is kept of one step's output.
const maxStepOutput = 64 << 10

// Check compiles and runs l's check program in l's image, in a plain container with no network,
// a read-only root, a tmpfs work dir at /box and the unprivileged user. It proves the toolchain
// works; the hardened sandbox is pkg/sandbox's job.
func Check(ctx context.Context, d CheckDocker, l lang.Language) CheckResult {
	res := CheckResult{Language: l.ID, Image: Resolve(l.Image)}
	src, ok := Hello(l.ID)
	if !ok {
		res.Skipped = "no check program for this language"
		return res
	}
	if _, err := d.ImageInspect(ctx, res.Image); err != nil {
		if isNotFound(err) {
			res.Err = fmt.Errorf("image %s is missing: run `judged image build`", res.Image)
		} else {
			res.Err = fmt.Errorf("inspect image %s: %w", res.Image, err)
		}
		return res
	}
	cmd, err := l.Prepare(src)
	if err != nil {
		res.Err = err
		return res
	}
	id, err := startCheckContainer(ctx, d, res.Image, l)
	if err != nil {
		res.Err = err
		return res
	}
	defer func() {
		// Remove even when ctx is cancelled: no container may outlive the check.
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = d.ContainerRemove(rmCtx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	}()

	put := step{argv: []string{"sh", "-c", `cat > "$1"`, "sh", cmd.SourceFile}, stdin: src}
	if out, err := put.exec(ctx, d, id, nil, time.Minute); err != nil || out.exit != 0 {
		res.Err, res.Output = stepErr("write source", out, err), out.combined()
		return res
	}
	if cmd.Compile != nil {
		timeout := compileLimits(l).EffectiveWallTime()
		out, err := step{argv: cmd.Compile}.exec(ctx, d, id, l.Env, timeout)
		res.Compile = out.wall
		if err != nil || out.exit != 0 {
			res.Err, res.Output = stepErr("compile", out, err), out.combined()
			return res
		}
	}
	out, err := step{argv: cmd.Run, stdin: []byte(checkInput)}.exec(ctx, d, id, l.Env, time.Minute)
	res.Run = out.wall
	if err != nil || out.exit != 0 {
		res.Err, res.Output = stepErr("run", out, err), out.combined()
		return res
	}
	if got := strings.TrimSpace(out.stdout.String()); got != checkOutput {
		res.Err = fmt.Errorf("run: printed %q for input %q, want %q", got, strings.TrimSpace(checkInput), checkOutput)
		res.Output = out.combined()
		return res
	}
	res.OK = true
	return res
}

// startCheckContainer starts an idle container for l's steps. Its memory and process limits are
// l's compile limits, so a passing check also shows those limits suffice for the toolchain.
func startCheckContainer(ctx context.Context, d CheckDocker, ref string, l lang.Language) (string, error) {
	lim := compileLimits(l)
	mem, pids := lim.MemoryBytes, int64(lim.Processes)
	created, err := d.ContainerCreate(ctx, client.ContainerCreateOptions{
		Image: ref,
		Config: &container.Config{
			Cmd:             []string{"sleep", "infinity"},
			User:            fmt.Sprintf("%d:%d", UID, GID),
			WorkingDir:      lang.WorkDir,
			NetworkDisabled: true,
			Labels:          map[string]string{CheckLabel: l.ID},
		},
		HostConfig: &container.HostConfig{
			NetworkMode:    "none",
			ReadonlyRootfs: true,
			CapDrop:        []string{"ALL"},
			SecurityOpt:    []string{"no-new-privileges"},
			Tmpfs: map[string]string{
				lang.WorkDir: fmt.Sprintf("rw,exec,nosuid,nodev,size=512m,uid=%d,gid=%d,mode=0755", UID, GID),
				"/tmp":       "rw,exec,nosuid,nodev,size=1g,mode=1777",
			},
			Resources: container.Resources{Memory: mem, MemorySwap: mem, PidsLimit: &pids},
		},
	})
	if err != nil {
		if isNotFound(err) {
			return "", fmt.Errorf("image %s is missing: run `judged image build`", ref)
		}
		return "", fmt.Errorf("create check container from %s: %w", ref, err)
	}
	if _, err := d.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = d.ContainerRemove(rmCtx, created.ID, client.ContainerRemoveOptions{Force: true})
		return "", fmt.Errorf("start check container from %s: %w", ref, err)
	}
	return created.ID, nil
}

// compileLimits returns l's compile limits with zero fields set to the defaults, as a table
// loaded by pkg/lang has them; a Language built in code may leave them out.
func compileLimits(l lang.Language) run.Limits {
	lim, def := l.CompileLimits, lang.DefaultCompileLimits()
	if lim.CPUTime <= 0 && lim.WallTime <= 0 {
		lim.CPUTime, lim.WallTime = def.CPUTime, def.WallTime
	}
	if lim.MemoryBytes <= 0 {
		lim.MemoryBytes = def.MemoryBytes
	}
	if lim.Processes <= 0 {
		lim.Processes = def.Processes
	}
	return lim
}

type step struct {
	argv  []string
	stdin []byte
}

type stepOutput struct {
	exit           int
	wall           time.Duration
	stdout, stderr capped
}

func (o *stepOutput) combined() string {
	s := o.stdout.String()
	if e := o.stderr.String(); e != "" {
		if s != "" && !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		s += e
	}
	return s
}

func stepErr(what string, out *stepOutput, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if out.exit > 128 && out.exit < 160 {
		// The shell convention of the engine: 128+N is death by signal N; 9 is usually the
		// memory limit.
		return fmt.Errorf("%s: exit status %d (killed by %s; over the memory or process limit?)", what, out.exit, unix.SignalName(syscall.Signal(out.exit-128)))
	}
	return fmt.Errorf("%s: exit status %d", what, out.exit)
}

// exec runs s in container id and waits for it to end, at most timeout.
func (s step) exec(ctx context.Context, d CheckDocker, id string, env []string, timeout time.Duration) (*stepOutput, error) {
	out := &stepOutput{}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ex, err := d.ExecCreate(ctx, id, client.ExecCreateOptions{
		Cmd: s.argv, Env: env, WorkingDir: lang.WorkDir,
		AttachStdin: true, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return out, fmt.Errorf("exec %q: %w", s.argv[0], err)
	}
	start := time.Now()
	att, err := d.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return out, fmt.Errorf("exec %q: attach: %w", s.argv[0], err)
	}
	defer att.Close()
	// The hijacked connection ignores ctx: close it when ctx ends so the copy below returns.
	stop := context.AfterFunc(ctx, att.Close)
	defer stop()

	go func() {
		_, _ = att.Conn.Write(s.stdin)
		_ = att.CloseWrite()
	}()
	_, copyErr := stdcopy.StdCopy(&out.stdout, &out.stderr, att.Reader)
	out.wall = time.Since(start)
	if ctx.Err() != nil {
		return out, fmt.Errorf("%q did not finish within %s", s.argv[0], timeout)
	}
	if copyErr != nil && !errors.Is(copyErr, io.EOF) {
		return out, fmt.Errorf("exec %q: read output: %w", s.argv[0], copyErr)
	}
	// The stream ends when the process does; the engine may take a moment to record the exit.
	for {
		insp, err := d.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
		if err != nil {
			return out, fmt.Errorf("exec %q: inspect: %w", s.argv[0], err)
		}
		if !insp.Running {
			out.exit = insp.ExitCode
			return out, nil
		}
		select {
		case <-ctx.Done():
			return out, fmt.Errorf("%q did not finish within %s", s.argv[0], timeout)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// capped keeps the first maxStepOutput bytes written to it and drops the rest.
type capped struct{ bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := maxStepOutput - c.Len(); room > 0 {
		if len(p) > room {
			c.Buffer.Write(p[:room])
		} else {
			c.Buffer.Write(p)
		}
	}
	return len(p), nil
}

func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }
