package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDoRetriesUntilSuccess(t *testing.T) {
	calls, notified := 0, 0
	err := Do(context.Background(), Policy{Initial: time.Millisecond, Max: 2 * time.Millisecond}, func() error {
		calls++
		if calls < 4 {
			return errors.New("not yet")
		}
		return nil
	}, func(error, time.Duration) { notified++ })
	if err != nil || calls != 4 || notified != 3 {
		t.Fatalf("err %v after %d calls and %d notifications, want nil after 4 and 3", err, calls, notified)
	}
}

func TestDoStopsAtMaxTriesWithTheLastError(t *testing.T) {
	calls := 0
	last := errors.New("still down")
	err := Do(context.Background(), Policy{Initial: time.Millisecond, Max: time.Millisecond, MaxTries: 3}, func() error {
		calls++
		return last
	}, nil)
	if !errors.Is(err, last) || calls != 3 {
		t.Fatalf("err %v after %d calls, want %v after 3", err, calls, last)
	}
}

func TestDoStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Do(ctx, Policy{Initial: time.Hour, Max: time.Hour}, func() error {
		calls++
		cancel()
		return errors.New("down")
	}, nil)
	if err == nil || calls != 1 {
		t.Fatalf("err %v after %d calls, want an error after 1", err, calls)
	}
}

func TestDelayGrowsWithJitterAndStaysBounded(t *testing.T) {
	p := Policy{Initial: time.Second, Max: 8 * time.Second}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 10: 8 * time.Second} {
		for range 20 {
			d := p.Delay(n)
			if d < want/2 || d > want*3/2 {
				t.Fatalf("Delay(%d) = %s, want within ±50%% of %s", n, d, want)
			}
		}
	}
}
