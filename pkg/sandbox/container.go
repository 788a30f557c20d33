package sandbox

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/go-units"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/sandbox/agent"
)

// Labels every sandbox container carries, so a sweep can find the ones a crashed worker left.
const (
	LabelSandbox  = "dev.judge.sandbox"          // "1"
	LabelInstance = "dev.judge.sandbox.instance" // random id of the Sandbox that made it
	LabelHost     = "dev.judge.sandbox.host"     // hostname of the process that made it
	LabelPID      = "dev.judge.sandbox.pid"      // pid of the process that made it
	LabelMode     = "dev.judge.sandbox.mode"
)

// agentPathInContainer is where the static judged binary is bind-mounted, read-only.
const agentPathInContainer = "/.judge/judged"

// Memory and process slack the agent itself needs inside the container's cgroup, on top of the
// program's own limits (the program's peak is checked against its own limit separately).
const (
	memorySlack = 32 << 20
	pidsSlack   = 32
)

// box is one running container with its agent attached.
type box struct {
	id    string
	image string
	conn  net.Conn
	rd    *demux

	writeMu sync.Mutex

	memory int64 // current cgroup memory limit
	pids   int64 // current pids limit
	uses   int   // submissions served
	// programID names the program files the agent caches (agent.Request.ProgramID).
	programID string
}

// createBox creates, attaches and starts a hardened container running the agent, and waits for
// the agent's ready frame.
func (s *Sandbox) createBox(ctx context.Context, image string) (*box, error) {
	mem := int64(defaultMemory + memorySlack)
	pids := int64(defaultProcesses + pidsSlack)
	cfg := &container.Config{
		Image:           image,
		Entrypoint:      []string{agentPathInContainer, "agent", "--uid", strconv.Itoa(runUID), "--gid", strconv.Itoa(runUID), "--work-dir", lang.WorkDir},
		User:            "0:0",
		WorkingDir:      lang.WorkDir,
		AttachStdin:     true,
		AttachStdout:    true,
		AttachStderr:    true,
		OpenStdin:       true,
		StdinOnce:       false,
		Tty:             false,
		NetworkDisabled: true,
		Labels: map[string]string{
			LabelSandbox:  "1",
			LabelInstance: s.instance,
			LabelHost:     s.hostname,
			LabelPID:      strconv.Itoa(s.pid),
			LabelMode:     s.opts.Mode,
		},
	}
	host := &container.HostConfig{
		Binds:          []string{s.opts.AgentPath + ":" + agentPathInContainer + ":ro"},
		NetworkMode:    "none",
		AutoRemove:     true, // the agent exits when our attach connection closes, even if we crash
		ReadonlyRootfs: true,
		CapDrop:        []string{"ALL"},
		// The agent (not the program) needs these to switch to the run user, kill its processes
		// and wipe what it left; the program runs as another uid with no capabilities at all.
		CapAdd:      []string{"SETUID", "SETGID", "KILL", "DAC_OVERRIDE", "FOWNER"},
		SecurityOpt: []string{"no-new-privileges"},
		IpcMode:     "private",
		LogConfig:   container.LogConfig{Type: "none"},
		Tmpfs: map[string]string{
			lang.WorkDir: fmt.Sprintf("rw,exec,nosuid,nodev,size=%d,mode=1777", s.opts.WorkDirBytes),
			"/tmp":       fmt.Sprintf("rw,exec,nosuid,nodev,size=%d,mode=1777", s.opts.TmpBytes),
		},
		ShmSize: s.opts.ShmBytes,
		Resources: container.Resources{
			Memory:     mem,
			MemorySwap: mem,
			NanoCPUs:   int64(s.opts.CPUs * 1e9),
			PidsLimit:  &pids,
			Ulimits: []*container.Ulimit{
				{Name: "nofile", Soft: 1024, Hard: 1024},
				{Name: "core", Soft: 0, Hard: 0},
				{Name: "fsize", Soft: maxFileSize, Hard: maxFileSize},
			},
		},
	}
	created, err := s.docker.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
	if err != nil {
		return nil, fmt.Errorf("create container from %s: %w", image, err)
	}
	b := &box{id: created.ID, image: image, memory: mem, pids: pids}
	att, err := s.docker.ContainerAttach(ctx, b.id, client.ContainerAttachOptions{Stream: true, Stdin: true, Stdout: true, Stderr: true})
	if err != nil {
		s.removeBox(b)
		return nil, fmt.Errorf("attach container %s: %w", short(b.id), err)
	}
	b.conn = att.Conn
	b.rd = &demux{r: att.Reader, log: s.log.With("container", short(b.id))}
	if _, err := s.docker.ContainerStart(ctx, b.id, client.ContainerStartOptions{}); err != nil {
		s.removeBox(b)
		return nil, fmt.Errorf("start container %s: %w", short(b.id), err)
	}
	_ = b.conn.SetReadDeadline(deadlineOf(ctx, 30*time.Second))
	typ, _, err := agent.ReadFrame(b.rd)
	_ = b.conn.SetReadDeadline(time.Time{})
	if err != nil || typ != agent.FrameReady {
		s.removeBox(b)
		return nil, fmt.Errorf("agent in container %s did not start (is %s a static judged binary?): frame %q: %v; agent said: %s",
			short(b.id), s.opts.AgentPath, typ, err, b.rd.lastStderr())
	}
	return b, nil
}

// removeBox ends the container; errors are logged because the label sweep catches what is left.
func (s *Sandbox) removeBox(b *box) {
	if b.conn != nil {
		b.conn.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s.docker.ContainerRemove(ctx, b.id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) && !cerrdefs.IsConflict(err) && !strings.Contains(err.Error(), "already in progress") {
		s.log.Warn("remove sandbox container", "container", short(b.id), "err", err)
	}
}

// fit updates the container's cgroup limits when the run needs other ones than it has.
func (s *Sandbox) fit(ctx context.Context, b *box, memory int64, processes int) error {
	mem := memory + memorySlack
	pids := int64(processes + pidsSlack)
	if mem == b.memory && pids == b.pids {
		return nil
	}
	_, err := s.docker.ContainerUpdate(ctx, b.id, client.ContainerUpdateOptions{Resources: &container.Resources{
		Memory: mem, MemorySwap: mem, PidsLimit: &pids,
	}})
	if err != nil {
		return fmt.Errorf("set limits of container %s to memory %s, pids %d: %w", short(b.id), units.BytesSize(float64(mem)), pids, err)
	}
	b.memory, b.pids = mem, pids
	return nil
}

// call sends one non-interactive request and waits for its result. The deadline bounds a hung
// agent; after any error the box must be destroyed.
func (b *box) call(ctx context.Context, req *agent.Request, deadline time.Time) (agent.Response, error) {
	if err := b.send(agent.FrameRequest, req); err != nil {
		return agent.Response{}, err
	}
	stop := context.AfterFunc(ctx, func() { _ = b.conn.SetReadDeadline(time.Now()) })
	defer stop()
	_ = b.conn.SetReadDeadline(deadline)
	defer func() { _ = b.conn.SetReadDeadline(time.Time{}) }()
	for {
		typ, payload, err := agent.ReadFrame(b.rd)
		if err != nil {
			if ctx.Err() != nil {
				return agent.Response{}, fmt.Errorf("wait for agent: %w", ctx.Err())
			}
			return agent.Response{}, fmt.Errorf("read agent result: %w (agent said: %s)", err, b.rd.lastStderr())
		}
		switch typ {
		case agent.FrameResult:
			var resp agent.Response
			if err := json.Unmarshal(payload, &resp); err != nil {
				return agent.Response{}, fmt.Errorf("decode agent result: %w", err)
			}
			return resp, nil
		case agent.FrameStdout:
			// A non-interactive run never streams; ignore rather than fail.
		default:
			return agent.Response{}, fmt.Errorf("unexpected agent frame %q", typ)
		}
	}
}

func (b *box) send(typ byte, v any) error {
	p, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	return b.sendRaw(typ, p)
}

func (b *box) sendRaw(typ byte, p []byte) error {
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	if err := agent.WriteFrame(b.conn, typ, p); err != nil {
		return fmt.Errorf("send to agent: %w", err)
	}
	return nil
}

// demux reads the stdout of a TTY-less attach stream, which Docker multiplexes in frames of an
// 8-byte header (stream, 0, 0, 0, big-endian size) and a payload. The agent's stderr is logged.
type demux struct {
	r    *bufio.Reader
	left int // stdout bytes left in the current frame
	log  *slog.Logger

	mu      sync.Mutex
	lastErr string
}

func (d *demux) Read(p []byte) (int, error) {
	for d.left == 0 {
		var hdr [8]byte
		if _, err := io.ReadFull(d.r, hdr[:]); err != nil {
			return 0, err
		}
		size := int(binary.BigEndian.Uint32(hdr[4:8]))
		switch hdr[0] {
		case 1:
			d.left = size
		default:
			msg := make([]byte, size)
			if _, err := io.ReadFull(d.r, msg); err != nil {
				return 0, err
			}
			text := strings.TrimSpace(string(msg))
			d.mu.Lock()
			d.lastErr = text
			d.mu.Unlock()
			d.log.Warn("agent stderr", "msg", text)
		}
	}
	if len(p) > d.left {
		p = p[:d.left]
	}
	n, err := d.r.Read(p)
	d.left -= n
	return n, err
}

func (d *demux) lastStderr() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lastErr == "" {
		return "nothing"
	}
	return d.lastErr
}

func deadlineOf(ctx context.Context, def time.Duration) time.Time {
	if dl, ok := ctx.Deadline(); ok {
		return dl
	}
	return time.Now().Add(def)
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

var errClosed = errors.New("sandbox is closed")
