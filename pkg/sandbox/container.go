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
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox/agent"
	"github.com/judge-dev/judge/pkg/sandbox/cgroup"
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
// program's own limits. The program's limit is enforced on the program's share of the group (its
// peak above the group's usage when it started, watched by the agent and checked after the run),
// so the slack neither counts against the program nor narrows its limit.
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
	fr    *agent.Reader
	w     *agent.Writer
	// cg is the container's group as the host sees it (nil when the host cannot reach it): the
	// host resets its memory peak before every run, which the agent cannot (read-only inside).
	cg *cgroup.Group

	memory int64 // current cgroup memory limit
	pids   int64 // current pids limit
	uses   int   // submissions served
	// programID names the program files the agent keeps (agent.Request.ProgramID).
	programID string
}

// createBox creates, attaches and starts a hardened container running the agent, and waits for
// the agent's ready frame.
func (s *Sandbox) createBox(ctx context.Context, image string) (*box, error) {
	mem := s.hardMemory(defaultMemory)
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
		StdinOnce:       true, // our stream closing (removeBox, or this process dying) ends the agent
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
	b.fr = agent.NewReader(b.rd)
	b.w = agent.NewWriter(b.conn)
	if _, err := s.docker.ContainerStart(ctx, b.id, client.ContainerStartOptions{}); err != nil {
		s.removeBox(b)
		return nil, fmt.Errorf("start container %s: %w", short(b.id), err)
	}
	_ = b.conn.SetReadDeadline(deadlineOf(ctx, 30*time.Second))
	typ, _, err := b.fr.Next()
	_ = b.conn.SetReadDeadline(time.Time{})
	if err != nil || typ != agent.FrameReady {
		s.removeBox(b)
		return nil, fmt.Errorf("agent in container %s did not start (is %s a static judged binary?): frame %q: %v; agent said: %s",
			short(b.id), s.opts.AgentPath, typ, err, b.rd.lastStderr())
	}
	b.cg = s.hostGroup(ctx, b.id)
	return b, nil
}

// hostGroup finds the container's cgroup on this host, for the peak reset. A worker that does
// not run on the Docker host (or may not write its cgroup files) gets nil: the agent's own view
// of the peak stands then (see docs/security.md).
func (s *Sandbox) hostGroup(ctx context.Context, id string) *cgroup.Group {
	info, err := s.docker.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil || info.Container.State == nil || info.Container.State.Pid <= 0 {
		s.noHostGroup(fmt.Errorf("inspect: %v", err))
		return nil
	}
	g, err := cgroup.LocatePID(strconv.Itoa(info.Container.State.Pid))
	if err != nil || !strings.Contains(g.MemoryDir, id) {
		s.noHostGroup(fmt.Errorf("locate the group of pid %d: %v (found %q)", info.Container.State.Pid, err, g.MemoryDir))
		return nil
	}
	w, err := g.WatchPeak()
	if err != nil {
		s.noHostGroup(err)
		return nil
	}
	w.Close()
	return &g
}

func (s *Sandbox) noHostGroup(err error) {
	s.warnOnce.Do(func() {
		s.log.Warn("cannot reset the containers' memory peaks from this host; peaks come from the agent's samples when an earlier run peaked higher", "err", err)
	})
}

// hardMemory is the container's memory limit for a program limit: the program's limit, the
// agent's slack and every tmpfs, so that neither the files a program keeps nor the agent can
// bring the kernel's OOM killer before the program's own limit is checked.
func (s *Sandbox) hardMemory(limit int64) int64 {
	return limit + memorySlack + s.opts.WorkDirBytes + s.opts.TmpBytes + s.opts.ShmBytes
}

// agentExitWait is how long removeBox waits for a container whose stream it closed to end and
// be removed by the engine before it forces the removal.
const agentExitWait = 10 * time.Second

// removeBox ends the container and returns once the engine no longer has it; errors are logged
// because the label sweep catches what is left.
//
// A container whose stream is open ends the cheap way, as `docker run --rm` does: closing the
// stream ends the agent's stdin, the agent (PID 1) exits, the kernel kills what is left in the
// container, and the engine removes it (AutoRemove). Only a container that did not go that way
// in time, or has no stream, is removed by force (a kill and a remove, racing the engine's own).
func (s *Sandbox) removeBox(b *box) {
	ctx, cancel := context.WithTimeout(context.Background(), agentExitWait+30*time.Second)
	defer cancel()
	if b.conn != nil {
		b.conn.Close()
		if s.waitRemoved(ctx, b.id, agentExitWait) {
			return
		}
	}
	_, err := s.docker.ContainerRemove(ctx, b.id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	switch {
	case err == nil || cerrdefs.IsNotFound(err):
	case cerrdefs.IsConflict(err) || strings.Contains(err.Error(), "already in progress"):
		// The engine's own removal is under way; it is done when the container is gone.
		s.waitRemoved(ctx, b.id, 30*time.Second)
	default:
		s.log.Warn("remove sandbox container", "container", short(b.id), "err", err)
	}
}

// waitRemoved waits up to d for the engine to have removed container id, and says whether it
// has.
func (s *Sandbox) waitRemoved(ctx context.Context, id string, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	w := s.docker.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionRemoved})
	select {
	case <-w.Result:
		return true
	case err := <-w.Error:
		return cerrdefs.IsNotFound(err)
	}
}

// fit updates the container's cgroup limits when the run needs other ones than it has: in its
// group on this host when the host can write there, else through the engine.
func (s *Sandbox) fit(ctx context.Context, b *box, memory int64, processes int) error {
	mem := s.hardMemory(memory)
	pids := int64(processes + pidsSlack)
	if mem == b.memory && pids == b.pids {
		return nil
	}
	// The host's own write to the container's group is what the engine's update comes down to,
	// minus a round trip through the engine and a runc process on the submission's path.
	if b.cg != nil {
		err := b.cg.SetLimits(mem, pids)
		if err == nil {
			b.memory, b.pids = mem, pids
			return nil
		}
		s.log.Debug("set the container's limits in its cgroup; asking the engine", "container", short(b.id), "err", err)
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

// outgoing is one request with the bytes that follow it, in the order the request lists them.
type outgoing struct {
	req  *agent.Request
	data [][]byte
}

// errDeadStream marks a request that could not be written to a container's agent: its attached
// stream is gone (the engine restarted, or the connection to it was cut while the container sat
// in the pool). Nothing the program did can cause it, and the request never fully reached the
// agent, so the caller may run it again in another container.
var errDeadStream = errors.New("the container's stream to its agent is closed")

// send writes the request and its data.
func (b *box) send(o *outgoing) error {
	if err := b.w.JSON(agent.FrameRequest, o.req); err != nil {
		return fmt.Errorf("send to agent: %w: %w", errDeadStream, err)
	}
	for _, d := range o.data {
		if err := b.w.Data(agent.FrameData, d); err != nil {
			return fmt.Errorf("send to agent: %w: %w", errDeadStream, err)
		}
	}
	return nil
}

// reply gathers what the agent sends back for one request.
type reply struct {
	resp           agent.Response
	stdout, stderr []byte
	stdoutCap      int64
	stderrCap      int64
	// onStdout, if set, takes stdout instead of the buffer (interactive runs).
	onStdout func([]byte)
	files    map[string][]byte
	modes    map[string]uint32
	cur      string
	curLeft  int64
	// peak is the host's watch of the group's memory peak over the run (nil without one).
	peak *cgroup.PeakWatch
}

// handle takes one frame; done is set by the result.
func (r *reply) handle(typ byte, payload []byte) (done bool, err error) {
	switch typ {
	case agent.FrameStdout:
		if r.onStdout != nil {
			r.onStdout(append([]byte(nil), payload...))
			return false, nil
		}
		r.stdout = appendCapped(r.stdout, payload, r.stdoutCap)
	case agent.FrameStderr:
		r.stderr = appendCapped(r.stderr, payload, r.stderrCap)
	case agent.FrameFileHeader:
		if r.curLeft != 0 {
			return false, fmt.Errorf("file header while %d bytes of %s are due", r.curLeft, r.cur)
		}
		var h agent.FileHeader
		if err := json.Unmarshal(payload, &h); err != nil {
			return false, fmt.Errorf("decode file header: %w", err)
		}
		if err := agent.ValidName(h.Name); err != nil || h.Size < 0 {
			return false, fmt.Errorf("agent sent file %q of %d bytes", h.Name, h.Size)
		}
		if r.files == nil {
			r.files, r.modes = map[string][]byte{}, map[string]uint32{}
		}
		r.cur, r.curLeft = h.Name, h.Size
		r.files[h.Name] = make([]byte, 0, h.Size)
		r.modes[h.Name] = h.Mode
	case agent.FrameData:
		if int64(len(payload)) > r.curLeft {
			return false, fmt.Errorf("%d data bytes where %d were due", len(payload), r.curLeft)
		}
		r.files[r.cur] = append(r.files[r.cur], payload...)
		r.curLeft -= int64(len(payload))
	case agent.FrameResult:
		if r.curLeft != 0 {
			return false, fmt.Errorf("result while %d bytes of %s are due", r.curLeft, r.cur)
		}
		if err := json.Unmarshal(payload, &r.resp); err != nil {
			return false, fmt.Errorf("decode agent result: %w", err)
		}
		return true, nil
	default:
		return false, fmt.Errorf("unexpected agent frame %q", typ)
	}
	return false, nil
}

// memory is the run's peak: the host's watch above the agent's base when there is one, else the
// agent's own figure.
func (r *reply) memory() int64 {
	if r.peak != nil && r.resp.MemoryBaseBytes > 0 {
		if p, err := r.peak.Read(); err == nil && p >= r.resp.MemoryBaseBytes {
			return p - r.resp.MemoryBaseBytes
		}
	}
	return r.resp.PeakBytes
}

func (r *reply) close() {
	if r.peak != nil {
		r.peak.Close()
	}
}

func appendCapped(b, p []byte, max int64) []byte {
	room := max - int64(len(b))
	if room <= 0 {
		return b
	}
	return append(b, p[:min(int64(len(p)), room)]...)
}

// watchPeak starts the host's watch of the group's memory peak for the next run.
func (b *box) watchPeak() *cgroup.PeakWatch {
	if b.cg == nil {
		return nil
	}
	w, err := b.cg.WatchPeak()
	if err != nil {
		return nil
	}
	return w
}

// call sends one non-interactive request and waits for its result. The deadline bounds a hung
// agent; after any error the box must be destroyed.
func (b *box) call(ctx context.Context, o *outgoing, r *reply, deadline time.Time) error {
	r.peak = b.watchPeak()
	if err := b.send(o); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = b.conn.SetReadDeadline(time.Now()) })
	defer stop()
	_ = b.conn.SetReadDeadline(deadline)
	defer func() { _ = b.conn.SetReadDeadline(time.Time{}) }()
	for {
		typ, payload, err := b.fr.Next()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("wait for agent: %w", ctx.Err())
			}
			return fmt.Errorf("read agent result: %w (agent said: %s)", err, b.rd.lastStderr())
		}
		done, err := r.handle(typ, payload)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
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

// blameEngine marks err, a failed call to b's agent, as the infrastructure's (run.ErrInfrastructure)
// when the container is no longer running or the engine no longer answers for it: the engine
// stopped or removed it (a restart, a drain). The program cannot stop its container: the agent is
// its init, out of the program's reach, so a run whose container went is never the program's.
func (s *Sandbox) blameEngine(ctx context.Context, b *box, err error) error {
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	info, ierr := s.docker.ContainerInspect(ictx, b.id, client.ContainerInspectOptions{})
	if ierr == nil && info.Container.State != nil && info.Container.State.Running {
		return err
	}
	return fmt.Errorf("%w: %w", run.ErrInfrastructure, err)
}
