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
	res := make(map[string]string, len(probes))
	for _, p := range probes {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		err := p.Check(pctx)
		cancel()
		res[p.Name] = "ok"
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
			res[p.Name] = err.Error()
		}
	}
	w.status.setProbes(res)
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
	w.status.setPaused(!healthy)
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

// Status is what the worker's readiness reports: whether it is in its consumer group, whether
// it paused consumption, and the last answer of each health probe.
type Status struct {
	// Consuming is true from joining the consumer group until the worker stops.
	Consuming bool `json:"consuming"`
	// Paused is true while a probe fails and the worker's partitions are paused.
	Paused bool `json:"paused"`
	// Probes maps each probe (database, docker, ...) to "ok" or its last error.
	Probes map[string]string `json:"probes"`
	// CheckedAt is when the probes last ran; zero before the first time.
	CheckedAt time.Time `json:"checked_at,omitzero"`
}

// Ready reports whether the worker takes work: consuming, not paused, every probe passing.
func (s Status) Ready() bool {
	if !s.Consuming || s.Paused || s.CheckedAt.IsZero() {
		return false
	}
	for _, v := range s.Probes {
		if v != "ok" {
			return false
		}
	}
	return true
}

// status is Status behind a mutex: probes write it, readiness reads it.
type status struct {
	mu sync.Mutex
	s  Status
}

func (st *status) setConsuming(on bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s.Consuming = on
}

func (st *status) setProbes(res map[string]string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s.Probes, st.s.CheckedAt = res, time.Now()
}

func (st *status) setPaused(paused bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s.Paused = paused
}

func (st *status) get() Status {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := st.s
	out.Probes = make(map[string]string, len(st.s.Probes))
	for k, v := range st.s.Probes {
		out.Probes[k] = v
	}
	return out
}

// Status returns the worker's state for readiness.
func (w *Worker) Status() Status { return w.status.get() }
