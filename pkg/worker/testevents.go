package worker

import (
	"sync"
	"time"

	"github.com/judge-dev/judge/pkg/store"
)

// streamDelay is how long a finished test's event may wait before it is written: events of a
// run that finishes within it travel with the result, in the same transaction, and a long run
// still streams its progress every streamDelay (one statement for all tests finished meanwhile).
const streamDelay = 100 * time.Millisecond

// testStream batches one run's test events. write runs on a timer goroutine; take, called once
// the run ended, waits for a write in progress, so every batch it did not take is committed
// before the result (a batch written after the result would be dropped: its attempt no longer
// runs).
type testStream struct {
	delay time.Duration
	write func([]store.TestResult)

	writing sync.Mutex // held while a batch is written, and by take
	mu      sync.Mutex
	pending []store.TestResult
	timer   *time.Timer
	closed  bool
}

func newTestStream(delay time.Duration, write func([]store.TestResult)) *testStream {
	return &testStream{delay: delay, write: write}
}

// add queues t; the first of a batch starts the timer.
func (s *testStream) add(t store.TestResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.pending = append(s.pending, t)
	if s.timer == nil {
		s.timer = time.AfterFunc(s.delay, s.flush)
	}
}

func (s *testStream) flush() {
	s.writing.Lock()
	defer s.writing.Unlock()
	s.mu.Lock()
	batch := s.pending
	s.pending, s.timer = nil, nil
	s.mu.Unlock()
	if len(batch) > 0 {
		s.write(batch)
	}
}

// take ends the stream and returns the events not written yet, for the result's transaction.
func (s *testStream) take() []store.TestResult {
	s.mu.Lock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.mu.Unlock()
	// A flush that already fired either wrote its batch (we wait for it here) or finds nothing.
	s.writing.Lock()
	defer s.writing.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	batch := s.pending
	s.pending = nil
	return batch
}
