package sandbox

import (
	"context"
	"sync"
	"time"
)

// pool keeps warm containers of one image so that creating one is off the critical path. In
// fresh mode a container serves one submission and is destroyed; in reuse mode it goes back to
// the pool after the agent's wipe succeeded, until it has served MaxUses submissions.
type pool struct {
	s     *Sandbox
	image string

	mu       sync.Mutex
	idle     []*box
	creating int
	closed   bool
	failures int // consecutive creation failures, to stop a refill storm on a broken image
}

// get returns a warm container, or creates one when none is idle.
func (p *pool) get(ctx context.Context) (*box, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errClosed
	}
	if n := len(p.idle); n > 0 {
		b := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		p.refill()
		return b, nil
	}
	p.mu.Unlock()
	b, err := p.s.createBox(ctx, p.image)
	if err == nil {
		p.mu.Lock()
		p.failures = 0
		p.mu.Unlock()
	}
	p.refill()
	return b, err
}

// put hands a container back after a submission; healthy says the agent's wipe succeeded.
func (p *pool) put(b *box, healthy bool) {
	b.uses++
	p.mu.Lock()
	// A returning container is as warm as a new one and its replacement may already be
	// waiting, so up to twice PoolSize idle containers are kept before one is removed.
	keep := healthy && !p.closed && p.s.opts.Mode == ModeReuse && b.uses < p.s.opts.MaxUses &&
		len(p.idle) < 2*p.s.opts.PoolSize
	if keep {
		p.idle = append(p.idle, b)
	}
	p.mu.Unlock()
	if !keep {
		p.s.background(func() { p.s.removeBox(b) })
		p.refill()
	}
}

// refill starts creating containers until idle plus in-flight reach PoolSize.
func (p *pool) refill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.failures >= 3 {
		return
	}
	for len(p.idle)+p.creating < p.s.opts.PoolSize {
		p.creating++
		p.s.background(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			b, err := p.s.createBox(ctx, p.image)
			p.mu.Lock()
			p.creating--
			if err != nil {
				p.failures++
				p.mu.Unlock()
				p.s.log.Warn("warm sandbox container", "image", p.image, "err", err)
				return
			}
			p.failures = 0
			if p.closed {
				p.mu.Unlock()
				p.s.removeBox(b)
				return
			}
			p.idle = append(p.idle, b)
			p.mu.Unlock()
		})
	}
}

// close removes the idle containers; busy ones are removed when they come back.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, b := range idle {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.s.removeBox(b)
		}()
	}
	wg.Wait()
}
