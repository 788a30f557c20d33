// Package retry is the judge's one retry policy: exponential backoff with jitter (over
// github.com/cenkalti/backoff), used wherever a call is repeated until a dependency answers
// again, and for the pause before an internal error is tried on a new attempt. Jitter keeps
// many workers that failed together from retrying together.
package retry

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Policy is how a failing call is repeated.
type Policy struct {
	// Initial is the first pause; each next one doubles, up to Max, each varied by ±50 %.
	Initial time.Duration
	Max     time.Duration
	// MaxTries bounds the calls; 0 means until the context ends.
	MaxTries uint
}

// Dependency is for calls that must succeed once PostgreSQL or Kafka answers again (a result
// write, a claim, creating the topic): retried until the context ends.
var Dependency = Policy{Initial: 100 * time.Millisecond, Max: 2 * time.Second}

// Visibility is for waiting until a committed row becomes visible to this session, which
// takes milliseconds: short first pauses.
var Visibility = Policy{Initial: 5 * time.Millisecond, Max: 500 * time.Millisecond}

// Attempt times the pause before a submission's next attempt after an internal error, so a
// passing fault does not burn every attempt within milliseconds.
var Attempt = Policy{Initial: time.Second, Max: 30 * time.Second}

func (p Policy) backOff() *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = p.Initial
	b.MaxInterval = p.Max
	b.Multiplier = 2
	b.RandomizationFactor = 0.5
	return b
}

// Do calls f until it returns nil, ctx ends or p.MaxTries calls failed, and returns the last
// error (the context's cause once it ended). onErr, if set, sees each failure that will be
// retried and the pause before the next call.
func Do(ctx context.Context, p Policy, f func() error, onErr func(err error, next time.Duration)) error {
	opts := []backoff.RetryOption{backoff.WithBackOff(p.backOff()), backoff.WithMaxElapsedTime(0)}
	if p.MaxTries > 0 {
		opts = append(opts, backoff.WithMaxTries(p.MaxTries))
	}
	if onErr != nil {
		opts = append(opts, backoff.WithNotify(backoff.Notify(onErr)))
	}
	_, err := backoff.Retry(ctx, func() (struct{}, error) { return struct{}{}, f() }, opts...)
	return err
}

// Delay is the pause before try n+1 after n failed tries (n ≥ 1), for retries that do not
// happen in one loop, such as the next attempt of a submission.
func (p Policy) Delay(n int) time.Duration {
	b := p.backOff()
	var d time.Duration
	for range max(n, 1) {
		d = b.NextBackOff()
	}
	return d
}

// Sleep waits d or until ctx ends; it reports whether the whole pause passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Stop wraps err so that Do returns it at once instead of retrying; Stop(nil) is nil.
func Stop(err error) error { return backoff.Permanent(err) }
