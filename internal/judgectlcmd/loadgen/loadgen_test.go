package loadgen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/client"
)

// fakeTarget accepts every submission except every `rejectEvery`-th (429), and judges
// instantly with verdicts in rotation. Await blocks for ids in `stuck` until ctx ends.
type fakeTarget struct {
	n           atomic.Int64
	rejectEvery int64
	stuck       func(id string) bool
	mu          sync.Mutex
	awaited     []string
}

func (f *fakeTarget) Submit(ctx context.Context) (string, error) {
	i := f.n.Add(1)
	if f.rejectEvery > 0 && i%f.rejectEvery == 0 {
		return "", &client.APIError{StatusCode: 429}
	}
	return fmt.Sprint(i), nil
}

func (f *fakeTarget) Await(ctx context.Context, id string) (string, error) {
	f.mu.Lock()
	f.awaited = append(f.awaited, id)
	f.mu.Unlock()
	if f.stuck != nil && f.stuck(id) {
		<-ctx.Done()
		return "", ctx.Err()
	}
	if strings.HasSuffix(id, "3") {
		return "WA", nil
	}
	return "AC", nil
}

func TestRunCountsEverything(t *testing.T) {
	tgt := &fakeTarget{rejectEvery: 10}
	var sent, done atomic.Int64
	r, err := Run(context.Background(), Config{
		Rate: 200, Duration: 200 * time.Millisecond, Concurrency: 16, Drain: 5 * time.Second,
		OnEvent: func(e Event) {
			if e == Sent {
				sent.Add(1)
			} else {
				done.Add(1)
			}
		},
	}, tgt)
	if err != nil {
		t.Fatal(err)
	}
	if r.Scheduled != 40 {
		t.Errorf("scheduled = %d, want 40 (200/s × 0.2s)", r.Scheduled)
	}
	if r.Accepted != 36 || r.Rejected != 4 || r.RejectedByStatus[429] != 4 || r.Errors != 0 {
		t.Errorf("accepted %d rejected %d (%v) errors %d; want 36, 4 (429), 0", r.Accepted, r.Rejected, r.RejectedByStatus, r.Errors)
	}
	if r.Completed != 36 || r.Backlog != 0 {
		t.Errorf("completed %d backlog %d, want 36 and 0", r.Completed, r.Backlog)
	}
	// ids ending in 3 among accepted 1..40 minus multiples of 10: 3 13 23 33
	if r.Verdicts["WA"] != 4 || r.Verdicts["AC"] != 32 {
		t.Errorf("verdicts = %v, want WA 4, AC 32", r.Verdicts)
	}
	if r.APILatency.Count != 40 || r.E2ELatency.Count != 36 {
		t.Errorf("histogram counts api %d e2e %d, want 40 and 36", r.APILatency.Count, r.E2ELatency.Count)
	}
	if r.E2ELatency.P50 > r.E2ELatency.P99 || r.E2ELatency.P99 > r.E2ELatency.Max {
		t.Errorf("quantiles out of order: %+v", r.E2ELatency)
	}
	if sent.Load() != 40 || done.Load() != 36 {
		t.Errorf("events sent %d done %d, want 40 and 36", sent.Load(), done.Load())
	}
	if r.OfferedRate != 200 {
		t.Errorf("offered rate = %v, want 200", r.OfferedRate)
	}
}

func TestRunReportsBacklogAfterDrain(t *testing.T) {
	tgt := &fakeTarget{stuck: func(id string) bool { return id == "2" || id == "5" }}
	r, err := Run(context.Background(), Config{Rate: 100, Duration: 50 * time.Millisecond, Concurrency: 100, Drain: time.Second}, tgt)
	if err != nil {
		t.Fatal(err)
	}
	if r.Accepted != 5 || r.Completed != 3 || r.Backlog != 2 || r.AwaitErrors != 0 {
		t.Errorf("accepted %d completed %d backlog %d await errors %d; want 5, 3, 2, 0", r.Accepted, r.Completed, r.Backlog, r.AwaitErrors)
	}
}

// slowTarget answers each submit only after `delay`; with Concurrency 1 the schedule runs
// ahead and the waiting must show up in latency measured from the scheduled time.
type slowTarget struct{ delay time.Duration }

func (s slowTarget) Submit(ctx context.Context) (string, error) {
	time.Sleep(s.delay)
	return "x", nil
}
func (s slowTarget) Await(ctx context.Context, id string) (string, error) { return "AC", nil }

func TestLatencyCountsFromScheduledTime(t *testing.T) {
	r, err := Run(context.Background(), Config{Rate: 100, Duration: 100 * time.Millisecond, Concurrency: 1, Drain: 10 * time.Second},
		slowTarget{delay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// 10 sends of 20ms each through one slot: the last one is scheduled at 90ms and can only
	// start after 9×20ms = 180ms, so its latency is at least 180-90+20 = 110ms. A generator that
	// measured from the actual send (coordinated omission) would report ~20ms.
	if r.APILatency.Max < 110*time.Millisecond {
		t.Errorf("max API latency = %v, want ≥ 110ms (measured from the scheduled time)", r.APILatency.Max)
	}
	// The last send waited ≥ 9×20ms - 90ms = 90ms for the single slot: the lag shows it.
	if r.SendLag.Max < 90*time.Millisecond || r.SendLag.Count != 10 {
		t.Errorf("send lag = %+v, want max ≥ 90ms over 10 sends", r.SendLag)
	}
}

func TestRunTransportErrorsAndValidation(t *testing.T) {
	if _, err := Run(context.Background(), Config{Rate: 0, Duration: time.Second, Concurrency: 1}, nil); err == nil {
		t.Error("rate 0 accepted")
	}
	if _, err := Run(context.Background(), Config{Rate: 0.5, Duration: time.Second, Concurrency: 1}, nil); err == nil {
		t.Error("a schedule with no send accepted")
	}
	r, err := Run(context.Background(), Config{Rate: 100, Duration: 30 * time.Millisecond, Concurrency: 4, Drain: time.Second}, errTarget{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 3 || r.Accepted != 0 || !strings.Contains(r.FirstError, "refused") {
		t.Errorf("errors %d accepted %d first %q; want 3, 0, refused", r.Errors, r.Accepted, r.FirstError)
	}
}

type errTarget struct{}

func (errTarget) Submit(context.Context) (string, error) {
	return "", &client.TransportError{URL: "http://x", Err: errors.New("connection refused")}
}
func (errTarget) Await(context.Context, string) (string, error) { return "", nil }
