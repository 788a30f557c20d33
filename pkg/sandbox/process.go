package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox/agent"
)

// Process is a program started with Start: its stdin and stdout are live streams the caller
// wires (to an interactor, say); Wait returns the measured result.
type Process struct {
	p      *Program
	b      *box
	req    *agent.Request
	limits run.Limits

	stdin  *stdinWriter
	stdout *bufPipe

	done     chan struct{}
	resp     agent.Response
	err      error
	waitOnce sync.Once
	result   run.Result
	waitErr  error
}

// Start runs the program interactively. Spec.Stdin, if any, is sent first; the rest comes
// through Stdin. The program holds its container (and Run on the same Program waits) until Wait.
func (p *Program) Start(ctx context.Context, spec run.Spec) (*Process, error) {
	p.mu.Lock()
	limits := withDefaults(spec.Limits)
	req, err := p.request(spec, limits)
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	req.Interactive, req.Stdin = true, nil
	b, err := p.acquire(ctx, limits)
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	p.withProgram(req, b)
	// The cache is only trusted after a result; an interactive run's files are sent again next
	// time unless the result arrives (recorded in Wait).
	if err := b.send(agent.FrameRequest, req); err != nil {
		p.release(false)
		p.mu.Unlock()
		return nil, err
	}
	pr := &Process{p: p, b: b, req: req, limits: limits, stdin: &stdinWriter{b: b}, stdout: newBufPipe(), done: make(chan struct{})}
	if len(spec.Stdin) > 0 {
		if _, err := pr.stdin.Write(spec.Stdin); err != nil {
			p.release(false)
			p.mu.Unlock()
			return nil, err
		}
	}
	go pr.read(ctx, time.Now().Add(limits.WallTime+callGrace))
	return pr, nil
}

// Stdin is the program's standard input; Close sends end of file.
func (pr *Process) Stdin() io.WriteCloser { return pr.stdin }

// Stdout is the program's standard output, up to the output limit.
func (pr *Process) Stdout() io.Reader { return pr.stdout }

// Wait waits for the program to end and returns what was measured. It may be called more
// than once.
func (pr *Process) Wait() (run.Result, error) {
	<-pr.done
	pr.waitOnce.Do(func() {
		pr.stdin.close()
		p := pr.p
		defer p.mu.Unlock()
		if pr.err != nil {
			p.release(false)
			pr.waitErr = fmt.Errorf("interactive run of %s: %w", p.lang.ID, pr.err)
			pr.result = run.Result{Status: run.IE, Message: pr.waitErr.Error()}
			return
		}
		p.sent(pr.req, pr.b, pr.resp)
		pr.result, pr.waitErr = p.finish(pr.resp, pr.limits)
	})
	return pr.result, pr.waitErr
}

// read forwards stdout frames until the result arrives.
func (pr *Process) read(ctx context.Context, deadline time.Time) {
	defer close(pr.done)
	b := pr.b
	stop := context.AfterFunc(ctx, func() { _ = b.conn.SetReadDeadline(time.Now()) })
	defer stop()
	_ = b.conn.SetReadDeadline(deadline)
	defer func() { _ = b.conn.SetReadDeadline(time.Time{}) }()
	for {
		typ, payload, err := agent.ReadFrame(b.rd)
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			pr.err = fmt.Errorf("read from agent: %w", err)
			pr.stdout.closeWith(pr.err)
			return
		}
		switch typ {
		case agent.FrameStdout:
			pr.stdout.write(payload)
		case agent.FrameResult:
			pr.stdout.closeWith(io.EOF)
			if err := json.Unmarshal(payload, &pr.resp); err != nil {
				pr.err = fmt.Errorf("decode agent result: %w", err)
			}
			return
		default:
			pr.err = fmt.Errorf("unexpected agent frame %q", typ)
			pr.stdout.closeWith(pr.err)
			return
		}
	}
}

// stdinWriter turns writes into stdin frames. After the process ended it refuses writes, so no
// stale frame can reach the next run in the container.
type stdinWriter struct {
	b      *box
	mu     sync.Mutex
	closed bool
	eof    bool
}

func (w *stdinWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.eof {
		return 0, io.ErrClosedPipe
	}
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), 64<<10)]
		if err := w.b.sendRaw(agent.FrameStdin, chunk); err != nil {
			return n, err
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

// Close sends end of file to the program.
func (w *stdinWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.eof {
		return nil
	}
	w.eof = true
	return w.b.sendRaw(agent.FrameStdinEOF, nil)
}

func (w *stdinWriter) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}

// bufPipe is an unbounded pipe: the agent's stream must never wait for a slow reader (the
// agent's output limit bounds it).
type bufPipe struct {
	mu     sync.Mutex
	cond   *sync.Cond
	chunks [][]byte
	err    error
}

func newBufPipe() *bufPipe {
	bp := &bufPipe{}
	bp.cond = sync.NewCond(&bp.mu)
	return bp
}

func (bp *bufPipe) write(p []byte) {
	bp.mu.Lock()
	bp.chunks = append(bp.chunks, p)
	bp.mu.Unlock()
	bp.cond.Broadcast()
}

func (bp *bufPipe) closeWith(err error) {
	bp.mu.Lock()
	if bp.err == nil {
		bp.err = err
	}
	bp.mu.Unlock()
	bp.cond.Broadcast()
}

func (bp *bufPipe) Read(p []byte) (int, error) {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	for len(bp.chunks) == 0 && bp.err == nil {
		bp.cond.Wait()
	}
	if len(bp.chunks) == 0 {
		if errors.Is(bp.err, io.EOF) {
			return 0, io.EOF
		}
		return 0, bp.err
	}
	n := copy(p, bp.chunks[0])
	if n == len(bp.chunks[0]) {
		bp.chunks = bp.chunks[1:]
	} else {
		bp.chunks[0] = bp.chunks[0][n:]
	}
	return n, nil
}
