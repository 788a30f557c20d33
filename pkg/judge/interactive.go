package judge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/judge-dev/judge/pkg/judge/verdict"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/run"
)

// interactive runs one test of an interactive problem: the validator (started with the input,
// the answer and the feedback dir, in its own sandbox) and the submission (which sees neither)
// talk through pipes the judge copies between them. Verdict rules, in order (Kattis's): a
// validator that rejects (43) before the submission ended gives WA whatever the submission did
// next (it typically dies of the closed pipe); else the submission's TLE; else its crash (RE,
// MLE, OLE); else the validator's exit: 42 is AC, 43 WA, anything else a judge error.
func (j *Judge) interactive(ctx context.Context, sub run.Starter, t *problem.Test, flags []string, lim run.Limits, to *TestOutcome) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	spec := validatorSpec(t, flags, nil, j.cfg.ValidatorLimits)
	vp, err := j.cfg.Interactor.Start(ctx, spec)
	if err != nil {
		return fmt.Errorf("start interactor: %w", err)
	}
	sp, err := sub.Start(ctx, run.Spec{Limits: lim})
	if err != nil {
		cancel()
		vp.Stdin().Close()
		vp.Wait()
		return fmt.Errorf("start submission: %w", err)
	}

	// Who ended first is read from the streams, not from Wait: a process's stdout ends when it
	// exits, and the other side only sees its own stdin end after the judge closed it in
	// response, so the order of the two stdout ends is causal.
	var mu sync.Mutex
	validatorFirst, decided := false, false
	ended := func(validator bool) {
		mu.Lock()
		if !decided {
			validatorFirst, decided = validator, true
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); pipe(sp.Stdin(), vp.Stdout(), func() { ended(true) }) }()
	go func() { defer wg.Done(); pipe(vp.Stdin(), sp.Stdout(), func() { ended(false) }) }()

	var sres, vres run.Result
	var serr, verr error
	var waits sync.WaitGroup
	waits.Add(2)
	go func() { defer waits.Done(); sres, serr = sp.Wait() }()
	go func() { defer waits.Done(); vres, verr = vp.Wait() }()
	waits.Wait()
	wg.Wait()
	if serr != nil || verr != nil {
		return fmt.Errorf("interactive run: %w", errors.Join(serr, verr))
	}
	fill(to, sres)
	to.Stdout = nil // the conversation is not the submission's output
	return interactiveVerdict(sres, vres, validatorFirst, to)
}

func interactiveVerdict(sres, vres run.Result, validatorFirst bool, to *TestOutcome) error {
	vErr := validatorVerdict(vres, to)
	if vErr == nil && to.Verdict == verdict.WA && (validatorFirst || sres.Status == run.OK) {
		return nil
	}
	if v, ok := verdict.OfStatus(sres.Status); ok {
		to.Verdict = v
		return nil
	}
	if sres.Status != run.OK {
		return fmt.Errorf("submission: sandbox status %s: %s", sres.Status, sres.Message)
	}
	return vErr // AC from the validator, or its failure
}

// pipe copies src to dst, calls atEnd when src ends, and closes dst; when dst stops accepting
// (its reader exited) it keeps draining src so the writer never blocks on a full pipe.
func pipe(dst io.WriteCloser, src io.Reader, atEnd func()) {
	if _, err := io.Copy(dst, src); err != nil {
		io.Copy(io.Discard, src)
	}
	atEnd()
	dst.Close()
}
