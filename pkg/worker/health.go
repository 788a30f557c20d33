package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// probeTimeout bounds one health probe: an engine that takes longer to answer a ping cannot
// run a submission within its limits either.
const probeTimeout = 3 * time.Second

// maxInfraRetries bounds the hand-backs of one submission for infrastructure faults, so a
// program that takes the infrastructure down with it does not go round forever: past it, a
// failure spends an attempt like any other.
const maxInfraRetries = 10

// gate is open while the worker is healthy; the claim loops wait on it.
type gate struct {
	mu   sync.Mutex
	ch   chan struct{} // closed while open
	open bool
}

func newGate() *gate {
	ch := make(chan struct{})
	close(ch)
	return &gate{ch: ch, open: true}
}

// wait returns a channel that is closed while the gate is open.
func (g *gate) wait() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ch
}

func (g *gate) isOpen() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open
}

// set opens or closes the gate and reports whether that changed it.
func (g *gate) set(open bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if open == g.open {
		return false
	}
	if open {
		close(g.ch)
	} else {
		g.ch = make(chan struct{})
	}
	g.open = open
	return true
}

// probe runs the database probe and Options.Probes; the error names every one that failed.
func (w *Worker) probe(ctx context.Context) error {
	probes := append([]Probe{{Name: "database", Check: w.st.Ping}}, w.opts.Probes...)
	var errs []error
	for _, p := range probes {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		err := p.Check(pctx)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
		}
	}
	return errors.Join(errs...)
}

// watchHealth probes every HealthInterval and pauses or resumes the worker on a change.
func (w *Worker) watchHealth(ctx context.Context) {
	t := time.NewTicker(w.opts.HealthInterval)
	defer t.Stop()
	for {
		err := w.probe(ctx)
		if ctx.Err() != nil {
			return
		}
		w.setHealth(err)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// setHealth pauses the worker's partitions and closes the gate when err is not nil, and undoes
// both when it is.
func (w *Worker) setHealth(err error) {
	healthy := err == nil
	if !w.healthy.set(healthy) {
		return
	}
	if healthy {
		w.group.Resume()
		w.log.Info("infrastructure healthy again: consuming")
	} else {
		w.group.Pause()
		w.log.Warn("infrastructure unhealthy: paused consumption until it recovers", "err", err)
	}
	if w.opts.OnHealth != nil {
		w.opts.OnHealth(healthy)
	}
}
