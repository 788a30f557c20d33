// Package loadgen owns judgectl bench's open-loop load generator: submissions are sent at
// scheduled times of a constant arrival rate whatever the server does, and every latency is
// measured from the scheduled time, not from when the request actually left. A slow server
// therefore shows up as latency instead of silently lowering the offered load (no coordinated
// omission).
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/judge-dev/judge/pkg/client"
)

// Target is the system under load.
type Target interface {
	// Submit sends one submission and returns its ID once the API accepted it.
	Submit(ctx context.Context) (string, error)
	// Await blocks until submission id is judged and returns its verdict.
	Await(ctx context.Context, id string) (string, error)
}

// Config shapes one run.
type Config struct {
	// Rate is the arrival rate in submissions per second.
	Rate float64
	// Duration is how long submissions are sent.
	Duration time.Duration
	// Concurrency bounds submissions in flight (sent and not yet judged). A send that has to
	// wait for a free place still counts its latency from its scheduled time.
	Concurrency int
	// Drain is how long to wait for outstanding verdicts after the last send.
	Drain time.Duration
	// OnEvent, if set, is called (from many goroutines) as sends and verdicts happen.
	OnEvent func(Event)
}

// Event is one step of a run, for progress display.
type Event int

// Events.
const (
	Sent Event = iota // the API answered a submission (accepted or not)
	Done              // a verdict arrived
)

// Validate reports a config that cannot run.
func (c Config) Validate() error {
	switch {
	case c.Rate <= 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0):
		return fmt.Errorf("rate %v: must be a positive number of submissions per second", c.Rate)
	case c.Duration <= 0:
		return fmt.Errorf("duration %v: must be positive", c.Duration)
	case c.Concurrency < 1:
		return fmt.Errorf("concurrency %d: must be at least 1", c.Concurrency)
	case c.Drain < 0:
		return fmt.Errorf("drain %v: must not be negative", c.Drain)
	}
	if n := c.Rate * c.Duration.Seconds(); n < 1 {
		return fmt.Errorf("rate %v for %v schedules no submission: raise --rate or --duration", c.Rate, c.Duration)
	}
	return nil
}

// Latency summarises one histogram.
type Latency struct {
	Count int64         `json:"count"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
}

// Report is the outcome of a run.
type Report struct {
	Rate     float64       `json:"rate"`
	Duration time.Duration `json:"duration_ns"`
	// Scheduled is how many sends the schedule had (Rate × Duration); Offered is its rate.
	Scheduled   int     `json:"scheduled"`
	OfferedRate float64 `json:"offered_rate"`
	// Accepted got a 2xx from the API; Rejected got an error answer (by HTTP status in
	// RejectedByStatus); Errors never got an answer (network).
	Accepted         int         `json:"accepted"`
	Rejected         int         `json:"rejected"`
	RejectedByStatus map[int]int `json:"rejected_by_status,omitempty"`
	Errors           int         `json:"errors"`
	// Unsent were scheduled but still waiting for a free place (--concurrency) when the run ended.
	Unsent       int            `json:"unsent"`
	AchievedRate float64        `json:"achieved_rate"`
	Completed    int            `json:"completed"`
	AwaitErrors  int            `json:"await_errors"`
	Verdicts     map[string]int `json:"verdicts"`
	// Backlog is accepted submissions still without a verdict when the run ended.
	Backlog int `json:"backlog"`
	// SendLag is how late sends actually started against their schedule (waiting for
	// --concurrency, or a generator starved of CPU). It is already included in the latencies;
	// a large value says the client, not the server, limited the run.
	SendLag    Latency       `json:"send_lag"`
	APILatency Latency       `json:"api_latency"`
	E2ELatency Latency       `json:"e2e_latency"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	// FirstError is one example of a failed send, to tell the user what went wrong.
	FirstError string `json:"first_error,omitempty"`
}

// recorder collects outcomes from concurrent sends.
type recorder struct {
	mu            sync.Mutex
	r             Report
	lag, api, e2e *hdrhistogram.Histogram
}

func newHist() *hdrhistogram.Histogram {
	// microseconds from 1 µs to 1 hour, 3 significant digits
	return hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
}

func record(h *hdrhistogram.Histogram, d time.Duration) {
	us := max(d.Microseconds(), 1)
	_ = h.RecordValue(min(us, h.HighestTrackableValue())) // clamped, so it cannot fail
}

// Run sends Rate×Duration submissions to t on schedule and waits up to Drain for their
// verdicts. Cancelling ctx stops sending early; the report covers what happened until then.
func Run(ctx context.Context, cfg Config, t Target) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rec := &recorder{lag: newHist(), api: newHist(), e2e: newHist(), r: Report{
		Rate: cfg.Rate, Duration: cfg.Duration, RejectedByStatus: map[int]int{}, Verdicts: map[string]int{},
	}}
	n := int(math.Ceil(cfg.Rate*cfg.Duration.Seconds() - 1e-9))
	interval := float64(time.Second) / cfg.Rate
	emit := func(e Event) {
		if cfg.OnEvent != nil {
			cfg.OnEvent(e)
		}
	}

	// awaitCtx ends Drain after the last scheduled send; a verdict not seen by then is backlog.
	awaitCtx, cancelAwait := context.WithCancel(ctx)
	defer cancelAwait()
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	sent := 0
	timer := time.NewTimer(0)
	defer timer.Stop()
schedule:
	for i := range n {
		at := start.Add(time.Duration(float64(i) * interval))
		if d := time.Until(at); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				break schedule
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			break
		}
		sent++
		wg.Go(func() { rec.one(awaitCtx, t, at, sem, emit) })
	}
	sendWindow := time.Since(start)
	rec.mu.Lock()
	rec.r.Scheduled = sent
	rec.mu.Unlock()

	drained := make(chan struct{})
	go func() { wg.Wait(); close(drained) }()
	drainTimer := time.NewTimer(cfg.Drain)
	defer drainTimer.Stop()
	select {
	case <-drained:
	case <-drainTimer.C:
		cancelAwait()
		<-drained
	case <-ctx.Done():
		cancelAwait()
		<-drained
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	r := rec.r
	r.Elapsed = time.Since(start)
	r.OfferedRate = float64(r.Scheduled) / cfg.Duration.Seconds()
	if sendWindow > 0 {
		r.AchievedRate = float64(r.Accepted) / max(sendWindow.Seconds(), cfg.Duration.Seconds())
	}
	r.Backlog = r.Accepted - r.Completed - r.AwaitErrors
	r.SendLag = summarize(rec.lag)
	r.APILatency = summarize(rec.api)
	r.E2ELatency = summarize(rec.e2e)
	return &r, nil
}

// one performs the send scheduled at `at` and waits for its verdict.
func (rec *recorder) one(ctx context.Context, t Target, at time.Time, sem chan struct{}, emit func(Event)) {
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		rec.mu.Lock()
		rec.r.Unsent++
		rec.mu.Unlock()
		return
	}
	defer func() { <-sem }()
	started := time.Now()
	id, err := t.Submit(ctx)
	answered := time.Now()
	rec.mu.Lock()
	record(rec.lag, started.Sub(at))
	if err != nil {
		var ae *client.APIError
		if errors.As(err, &ae) {
			rec.r.Rejected++
			rec.r.RejectedByStatus[ae.StatusCode]++
			record(rec.api, answered.Sub(at))
		} else if ctx.Err() == nil {
			rec.r.Errors++
		}
		if rec.r.FirstError == "" && ctx.Err() == nil {
			rec.r.FirstError = err.Error()
		}
	} else {
		rec.r.Accepted++
		record(rec.api, answered.Sub(at))
	}
	rec.mu.Unlock()
	emit(Sent)
	if err != nil {
		return
	}
	verdict, err := t.Await(ctx, id)
	doneAt := time.Now()
	rec.mu.Lock()
	if err != nil {
		if ctx.Err() == nil {
			rec.r.AwaitErrors++
			if rec.r.FirstError == "" {
				rec.r.FirstError = err.Error()
			}
		}
		rec.mu.Unlock()
		return
	}
	rec.r.Completed++
	rec.r.Verdicts[verdict]++
	record(rec.e2e, doneAt.Sub(at))
	rec.mu.Unlock()
	emit(Done)
}

func summarize(h *hdrhistogram.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return Latency{
		Count: h.TotalCount(),
		P50:   us(h.ValueAtQuantile(50)),
		P90:   us(h.ValueAtQuantile(90)),
		P99:   us(h.ValueAtQuantile(99)),
		Max:   us(h.Max()),
	}
}
