package worker

import (
	"context"
	"errors"
	"fmt"
	"github.com/judge-dev/judge/pkg/run"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/judge-dev/judge/pkg/judge/verdict"
	"github.com/judge-dev/judge/pkg/queue"
	"github.com/judge-dev/judge/pkg/retry"
	"github.com/judge-dev/judge/pkg/store"
)

// errLeaseLost cancels a run whose claim was taken over.
var errLeaseLost = errors.New("lease lost")

// process judges one record. It returns true when the record's effect is durable (or it was
// a duplicate, or the submission was handed back, or its lease will expire into the reaper's
// hands), so its offset may be committed. It may call release before it returns, when only
// the result remains to be written: the slot bounds runs, not writes.
func (w *Worker) process(ctx context.Context, msg queue.Record, release func()) (durable bool) {
	m, err := queue.Unmarshal(msg.Value)
	if err != nil {
		w.log.Error("skipping undecodable message", "partition", msg.Partition, "offset", msg.Offset, "err", err)
		return true
	}
	log := w.log.With("submission", m.ID, "attempt", m.Attempt)
	if w.opts.Languages != nil {
		if err := w.opts.Languages.Refused(m.Language); err != nil {
			// Not claimed: the submission stays queued with its attempts, and the relay's
			// reconciler dispatches it again after redispatch_after, to whichever worker holds
			// its partition then (this one, once its image is right). Judging it here would
			// only fail it.
			log.Warn("not judging: this worker cannot judge the language now; the submission stays queued",
				"language", m.Language, "reason", err)
			w.refused(m.Language)
			return true
		}
	}
	sub, ok, err := w.claim(ctx, m, log)
	if err != nil {
		// The worker is stopping with the database unreachable; the submission may still be
		// queued, so the message must be read again.
		log.Warn("not claimed before stopping", "err", err)
		return false
	}
	if !ok {
		return true
	}
	log.Debug("claimed")

	began := time.Now()
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	leaseDone := make(chan struct{})
	go func() { defer close(leaseDone); w.keepLease(jctx, cancel, sub.Claim) }()
	stream := newTestStream(streamDelay, func(ts []store.TestResult) {
		if err := w.st.AppendTestEvents(jctx, sub.Claim, ts); err != nil && jctx.Err() == nil {
			log.Warn("test events", "err", err)
		}
	})
	v, jerr := w.safeJudge(jctx, sub, stream.add)
	// Held-back test events go with the result; a run handed back or taken over drops them
	// (the next attempt streams its own).
	v.Unstreamed = stream.take()
	cause := context.Cause(jctx)
	cancel(nil)
	<-leaseDone

	// Writes below must survive the stop signal: the outcome is only useful once durable. Past
	// twice the lease another worker has taken over anyway.
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 2*w.opts.Lease)
	defer wcancel()
	switch {
	case errors.Is(cause, errLeaseLost):
		log.Warn("lease lost while judging; the new attempt decides")
		return true
	case ctx.Err() != nil:
		// Not the submission's fault: its attempt is not spent.
		w.handBack(wctx, log, sub.Claim, store.InfraFault, "worker stopped before the submission finished")
		return true
	case jerr != nil || v.Verdict == string(verdict.IE):
		reason := v.Message
		if jerr != nil {
			reason = jerr.Error()
		}
		// The language's image may have gone, or been replaced, since the last look: that is
		// not the submission's fault either, and this worker takes no more of the language.
		if w.opts.Languages != nil && sub.InfraRetries < maxInfraRetries {
			if rerr := w.opts.Languages.Recheck(wctx, sub.Language); rerr != nil {
				log.Warn("runtime image not usable; handing back without spending an attempt", "reason", reason, "image", rerr)
				w.handBack(wctx, log, sub.Claim, store.InfraFault, "runtime image: "+rerr.Error())
				w.refused(sub.Language)
				return true
			}
		}
		// A failure while Docker or the database fails its probe is the infrastructure's:
		// the worker pauses and the submission goes back without spending an attempt.
		// So is a run whose container the engine stopped under it (run.ErrInfrastructure): the
		// engine may still answer its probe while it shuts down.
		herr := w.probe(wctx)
		if herr == nil && jerr != nil && errors.Is(jerr, run.ErrInfrastructure) {
			herr = jerr
		}
		if herr != nil && sub.InfraRetries < maxInfraRetries {
			w.setHealth(herr)
			log.Warn("infrastructure fault; handing back without spending an attempt", "reason", reason, "health", herr)
			w.handBack(wctx, log, sub.Claim, store.InfraFault, "infrastructure: "+reason)
			if w.opts.OnInfraFault != nil {
				w.opts.OnInfraFault()
			}
			return true
		}
		if spent := sub.Spent(); spent < w.opts.MaxAttempts {
			log.Warn("internal error, retrying on a new attempt", "reason", reason, "spent", spent)
			// A pause before the next attempt, so a passing fault (an image being rebuilt)
			// does not burn every attempt within milliseconds.
			retry.Sleep(ctx, retry.Attempt.Delay(spent))
			w.handBack(wctx, log, sub.Claim, store.JudgeFault, "internal error: "+reason)
			return true
		}
		v = store.Verdict{Verdict: string(verdict.IE), TimeMS: v.TimeMS, MemoryKB: v.MemoryKB, Tests: v.Tests, Unstreamed: v.Unstreamed,
			Message: fmt.Sprintf("internal error on %d attempts; last: %s", sub.Spent(), reason)}
	}
	// The run is over and judged (a fault above keeps the slot while it probes and hands back,
	// so no new run starts before the worker knows its health): the next record may run while
	// this outcome is written.
	release()
	var written bool
	err = retry.Do(wctx, retry.Dependency, func() error {
		written, err = w.st.FinishSubmission(wctx, sub.Claim, v)
		return err
	}, func(err error, _ time.Duration) { log.Warn("writing the result failed, retrying", "err", err) })
	switch {
	case err != nil:
		log.Error("result not written", "err", err)
	case !written:
		log.Warn("result discarded: the claim was taken over")
	default:
		log.Info("judged", "verdict", v.Verdict, "time_ms", v.TimeMS)
		if w.opts.OnJudged != nil {
			w.opts.OnJudged(v.Verdict, time.Since(began))
		}
	}
	// Even unwritten, the submission is running under a lease that will expire, and the
	// reaper re-queues it: the message has done its job.
	return true
}

func (w *Worker) refused(language string) {
	if w.opts.OnRefused != nil {
		w.opts.OnRefused(language)
	}
}

// safeJudge turns a panic in the sandbox or judge code into an internal error of this
// submission, so one bad run does not take the worker's other slots down with it.
func (w *Worker) safeJudge(ctx context.Context, sub store.Claimed, onTest func(store.TestResult)) (v store.Verdict, err error) {
	defer func() {
		if r := recover(); r != nil {
			w.log.Error("judge panicked", "submission", sub.ID, "panic", r, "stack", string(debug.Stack()))
			v, err = store.Verdict{}, fmt.Errorf("judge panicked: %v", r)
		}
	}()
	return w.judge.Judge(ctx, sub, onTest)
}

// invisibleFor bounds how long a message may wait for its transaction to become visible.
const invisibleFor = 10 * time.Second

// claim claims the message's attempt. ok is false for a duplicate or stale message. A message
// can arrive before its transaction is visible to this session: PostgreSQL decodes a commit
// from the WAL before it marks the transaction visible to other sessions, and the relay and
// Kafka are fast. So a submission that is missing, at an earlier attempt, or queued at this
// attempt after the claim missed it, is retried for a while rather than skipped (skipping
// would lose it).
func (w *Worker) claim(ctx context.Context, m queue.Message, log *slog.Logger) (store.Claimed, bool, error) {
	deadline := time.Now().Add(invisibleFor)
	errNotVisible := errors.New("submission attempt not visible yet")
	var sub store.Claimed
	var ok bool
	err := retry.Do(ctx, retry.Visibility, func() error {
		var err error
		err = retry.Do(ctx, retry.Dependency, func() (err error) {
			sub, ok, err = w.st.ClaimSubmission(ctx, m.ID, m.Attempt, w.opts.Name, w.opts.Lease)
			return err
		}, func(err error, _ time.Duration) { log.Warn("claim failed, retrying", "err", err) })
		if err != nil || ok {
			return retry.Stop(err)
		}
		var state store.SubmissionState
		err = retry.Do(ctx, retry.Dependency, func() (err error) {
			state, err = w.st.GetSubmissionState(ctx, m.ID)
			return err
		}, func(err error, _ time.Duration) { log.Warn("read submission state failed, retrying", "err", err) })
		if err != nil {
			return retry.Stop(err)
		}
		// Stale means a later attempt exists, or this attempt already runs or ran. Anything
		// else is this attempt's transaction not visible yet (the claim's snapshot may even
		// predate a row that is queued by now).
		notYet := !state.Found || state.Attempt < m.Attempt || (state.Attempt == m.Attempt && state.Status == "queued")
		switch {
		case !notYet:
			log.Info("skipping duplicate or stale message", "status", state.Status, "current_attempt", state.Attempt)
			return nil
		case time.Now().After(deadline):
			log.Warn("skipping message: its submission attempt never became visible", "found", state.Found,
				"status", state.Status, "current_attempt", state.Attempt)
			return nil
		}
		return errNotVisible
	}, nil)
	if err != nil {
		return store.Claimed{}, false, err
	}
	return sub, ok, nil
}

func (w *Worker) handBack(ctx context.Context, log interface{ Warn(string, ...any) }, c store.Claim, fault store.Fault, reason string) {
	err := retry.Do(ctx, retry.Dependency, func() error {
		_, err := w.st.Requeue(ctx, c, fault, reason)
		return err
	}, func(err error, _ time.Duration) { log.Warn("hand back failed, retrying", "err", err) })
	if err != nil {
		log.Warn("hand back failed; the reaper will re-queue it when the lease expires", "err", err)
	}
}

// keepLease renews the claim every third of the lease and cancels the run when it is lost.
func (w *Worker) keepLease(ctx context.Context, cancel context.CancelCauseFunc, c store.Claim) {
	t := time.NewTicker(w.opts.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		held, err := w.st.ExtendLease(ctx, c, w.opts.Lease)
		switch {
		case err != nil:
			// The database may be back before the lease ends; the next tick tries again.
			w.log.Warn("extend lease", "submission", c.ID, "err", err)
		case !held:
			cancel(errLeaseLost)
			return
		}
	}
}
