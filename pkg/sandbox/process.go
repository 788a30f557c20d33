package sandbox

import (
	"context"
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
	reply    *reply
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
	o, err := p.request(spec, limits)
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	o.req.Interactive = true
	b, err := p.acquire(ctx, limits)
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	p.withProgram(o, b)
	pr := &Process{p: p, b: b, req: o.req, limits: limits, stdin: &stdinWriter{b: b}, stdout: newBufPipe(), done: make(chan struct{})}
	pr.reply = &reply{stdoutCap: limits.OutputBytes, stderrCap: limits.StderrBytes, onStdout: pr.stdout.write}
	pr.reply.peak = b.watchPeak()
	// The agent keeps the program only once a result says so (recorded in Wait).
	if err := b.send(o); err != nil {
		pr.reply.close()
		p.release(false)
		p.mu.Unlock()
		return nil, err
	}
	if len(spec.Stdin) > 0 {
		if _, err := pr.stdin.Write(spec.Stdin); err != nil {
			pr.reply.close()
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
		defer pr.reply.close()
		if pr.err != nil {
			p.release(false)
			pr.waitErr = fmt.Errorf("interactive run of %s: %w", p.lang.ID, pr.err)
			pr.result = run.Result{Status: run.IE, Message: pr.waitErr.Error()}
			return
		}
		p.sent(pr.req, pr.b, pr.reply.resp)
		pr.result, pr.waitErr = p.finish(pr.reply, pr.limits)
	})
	return pr.result, pr.waitErr
}

// read takes the agent's frames until the result arrives.
func (pr *Process) read(ctx context.Context, deadline time.Time) {
	defer close(pr.done)
	b := pr.b
	stop := context.AfterFunc(ctx, func() { _ = b.conn.SetReadDeadline(time.Now()) })
	defer stop()
	_ = b.conn.SetReadDeadline(deadline)
	defer func() { _ = b.conn.SetReadDeadline(time.Time{}) }()
	for {
		typ, payload, err := b.fr.Next()
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			pr.err = fmt.Errorf("read from agent: %w", err)
			pr.stdout.closeWith(pr.err)
			return
		}
		done, err := pr.reply.handle(typ, payload)
		if err != nil {
			pr.err = err
			pr.stdout.closeWith(err)
			return
		}
		if done {
			pr.stdout.closeWith(io.EOF)
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
	if err := w.b.w.Data(agent.FrameStdin, p); err != nil {
		return 0, fmt.Errorf("send to agent: %w", err)
	}
	return len(p), nil
}

// Close sends end of file to the program.
func (w *stdinWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.eof {
		return nil
	}
	w.eof = true
	return w.b.w.Frame(agent.FrameStdinEOF, nil)
}

func (w *stdinWriter) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}

// bufPipe is a pipe without backpressure: the agent's stream must never wait for a slow reader
// (the agent's output limit bounds what it holds).
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
