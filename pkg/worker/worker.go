// Package worker owns turning Kafka messages into judged results: a fixed number of slots,
// claiming a submission in PostgreSQL with a conditional update, a lease renewed while it runs,
// per-test events, the final write in one transaction, and committing the offset only after
// that write. Every worker also runs a share of the reaper, which re-queues submissions whose
// worker vanished.
//
// Faults are told apart: a worker whose Docker engine or database fails its health probes
// pauses its Kafka partitions and takes no new work until they pass again, and a run that
// failed while the probes fail is handed back without spending one of the submission's
// attempts. Only a failure with healthy infrastructure is the judge's own internal error (IE),
// retried on a new attempt after a jittered, growing pause, at most MaxAttempts times.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/queue"
	"github.com/judge-dev/judge/pkg/retry"
	"github.com/judge-dev/judge/pkg/store"
)

// Options configure a Worker. Brokers and Topic are required.
type Options struct {
	Name    string // default host-pid
	Brokers []string
	Topic   string
	Group   string // default queue.ConsumerGroup
	// Slots is how many submissions are judged at once (a finished one whose result is being
	// written no longer holds its slot); 0 means the CPU count.
	Slots int
	// Lease is how long a claim lasts without renewal; renewed every Lease/3.
	Lease time.Duration
	// Grace bounds how long a stopping worker waits for running submissions before handing
	// them back.
	Grace time.Duration
	// MaxAttempts bounds retries of internal errors and of lost leases.
	MaxAttempts int
	// ReapInterval is the period of the reaper; default Lease/2.
	ReapInterval time.Duration
	// Probes check what judging needs besides the database, which is always probed: the
	// Docker engine, typically.
	Probes []Probe
	// HealthInterval is the period of the probes; default 2s.
	HealthInterval time.Duration
	// OnJudged, if set, is called after each final result is written (metrics).
	OnJudged func(verdict string, judging time.Duration)
	// OnHealth, if set, is called when the worker pauses (false) or resumes (true).
	OnHealth func(healthy bool)
	// OnInfraFault, if set, is called for each run handed back for an infrastructure fault.
	OnInfraFault func()
	// Languages, if set, tells which languages this worker may judge now (their runtime image
	// is the cluster's); a message for another is left to a worker that can (see process).
	Languages Languages
	// OnRefused, if set, is called for each message left because of its language.
	OnRefused func(language string)
	Logger    *slog.Logger
}

// Store is what a worker needs of the database; *store.Store satisfies it.
type Store interface {
	Ping(ctx context.Context) error
	ClaimSubmission(ctx context.Context, id string, attempt int, worker string, lease time.Duration) (store.Claimed, bool, error)
	GetSubmissionState(ctx context.Context, id string) (store.SubmissionState, error)
	ExtendLease(ctx context.Context, c store.Claim, lease time.Duration) (bool, error)
	AppendTestEvents(ctx context.Context, c store.Claim, ts []store.TestResult) error
	FinishSubmission(ctx context.Context, c store.Claim, v store.Verdict) (bool, error)
	Requeue(ctx context.Context, c store.Claim, fault store.Fault, reason string) (bool, error)
	WorkerHeartbeat(ctx context.Context, name string, slots int) error
	RemoveWorker(ctx context.Context, name string) error
	ReapExpired(ctx context.Context, maxAttempts, limit int) (store.Reaped, error)
}

// Languages tells whether this worker may judge a language now; *image.Pins satisfies it.
type Languages interface {
	// Refused reports why the worker must not judge language now; nil means it may.
	Refused(language string) error
	// Recheck looks again, after a run of language failed, and reports as Refused does.
	Recheck(ctx context.Context, language string) error
}

// Probe is one health check of a dependency of judging.
type Probe struct {
	Name  string
	Check func(ctx context.Context) error
}

// Worker consumes submission pointers and judges them. Build it with New, run it with Run.
type Worker struct {
	opts  Options
	st    Store
	judge Judger
	log   *slog.Logger

	slots   chan struct{}
	drain   chan struct{} // closed when the worker stops taking messages
	wg      sync.WaitGroup
	healthy *gate
	status  status
	commits *committer
	group   *queue.Group
	// runCtx outlives Run's context by the grace period: running submissions are not cut
	// off at once.
	runCtx context.Context
}

// New checks opts and fills the defaults.
func New(st Store, j Judger, opts Options) (*Worker, error) {
	var errs []error
	if st == nil {
		errs = append(errs, errors.New("worker: store is nil"))
	}
	if j == nil {
		errs = append(errs, errors.New("worker: judger is nil"))
	}
	if len(opts.Brokers) == 0 {
		errs = append(errs, errors.New("worker: no kafka brokers"))
	}
	if opts.Topic == "" {
		errs = append(errs, errors.New("worker: kafka topic is empty"))
	}
	if opts.Slots < 0 {
		errs = append(errs, fmt.Errorf("worker: %d slots, want 0 (CPU count) or more", opts.Slots))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if opts.Name == "" {
		host, _ := os.Hostname()
		opts.Name = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if opts.Group == "" {
		opts.Group = queue.ConsumerGroup
	}
	if opts.Slots == 0 {
		opts.Slots = runtime.NumCPU()
	}
	if opts.Lease <= 0 {
		opts.Lease = config.DefaultLease
	}
	if opts.Grace <= 0 {
		opts.Grace = config.DefaultGrace
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if opts.ReapInterval <= 0 {
		opts.ReapInterval = opts.Lease / 2
	}
	if opts.HealthInterval <= 0 {
		opts.HealthInterval = config.DefaultHealthInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{opts: opts, st: st, judge: j, log: opts.Logger.With("role", "worker", "worker", opts.Name),
		slots: make(chan struct{}, opts.Slots), drain: make(chan struct{}), healthy: newGate(), commits: newCommitter()}, nil
}

// Name is the worker's name in leases and heartbeats.
func (w *Worker) Name() string { return w.opts.Name }

// Run consumes until ctx ends, then shuts down gracefully: it stops taking messages, lets
// running submissions finish within the grace period, hands back the rest, commits offsets
// and leaves the group. It returns nil after a clean shutdown.
func (w *Worker) Run(ctx context.Context) error {
	group, err := queue.NewGroup(w.opts.Brokers, w.opts.Group, w.opts.Name, w.opts.Topic)
	if err != nil {
		return err
	}
	w.group = group
	w.status.setConsuming(true)
	defer w.status.setConsuming(false)
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	w.runCtx = runCtx
	consumeCtx, stopConsuming := context.WithCancel(context.WithoutCancel(ctx))
	defer stopConsuming()

	var bg sync.WaitGroup
	bg.Add(5)
	go func() { defer bg.Done(); w.heartbeat(consumeCtx) }()
	go func() { defer bg.Done(); w.commits.run(consumeCtx, commitEvery) }()
	go func() { defer bg.Done(); w.watchHealth(consumeCtx) }()
	go func() { defer bg.Done(); w.reap(consumeCtx) }()
	go func() {
		defer bg.Done()
		for err := range group.Errors() {
			w.log.Warn("consumer group", "err", err)
		}
	}()
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		for consumeCtx.Err() == nil {
			if err := group.Consume(consumeCtx, w.consumeClaim); err != nil && consumeCtx.Err() == nil {
				w.log.Warn("consume", "err", err)
				retry.Sleep(consumeCtx, time.Second)
			}
		}
	}()
	w.log.Info("worker started", "slots", w.opts.Slots, "topic", w.opts.Topic)

	<-ctx.Done()
	w.log.Info("worker stopping: no new submissions; waiting for running ones", "grace", w.opts.Grace)
	close(w.drain)
	finished := make(chan struct{})
	go func() { w.wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(w.opts.Grace):
		w.log.Warn("grace period over: handing back running submissions")
		cancelRuns()
		<-finished
	}
	// Claims commit as their messages finish; ending the session now loses nothing.
	stopConsuming()
	<-consumed
	err = group.Close()
	bg.Wait()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if rerr := w.st.RemoveWorker(rctx, w.opts.Name); rerr != nil {
		w.log.Warn("remove heartbeat", "err", rerr)
	}
	w.log.Info("worker stopped")
	if err != nil {
		return fmt.Errorf("leave consumer group: %w", err)
	}
	return nil
}

func (w *Worker) heartbeat(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		if err := w.st.WorkerHeartbeat(ctx, w.opts.Name, w.opts.Slots); err != nil && ctx.Err() == nil {
			w.log.Warn("heartbeat", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *Worker) reap(ctx context.Context) {
	t := time.NewTicker(w.opts.ReapInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r, err := w.st.ReapExpired(ctx, w.opts.MaxAttempts, 100)
		switch {
		case err != nil && ctx.Err() == nil:
			w.log.Warn("reaper", "err", err)
		case r.Requeued+r.Failed > 0:
			w.log.Info("reaper: expired leases", "requeued", r.Requeued, "failed", r.Failed)
		}
	}
}
