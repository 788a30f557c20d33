package api

import (
	"testing"
	"time"
)

func TestLimiterRefillsAtRate(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(2, 3) // 2/s, bursts of 3
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.allow(1); !ok {
			t.Fatalf("burst request %d refused", i)
		}
	}
	ok, wait := l.allow(1)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("4th request: ok=%v wait=%s, want refused for 500ms", ok, wait)
	}
	if ok, _ := l.allow(2); !ok {
		t.Error("another key shares the bucket")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow(1); !ok {
		t.Error("refused after the refill time")
	}
	if ok, _ := l.allow(1); ok {
		t.Error("allowed beyond the refill")
	}
	now = now.Add(time.Hour)
	for i := range 3 {
		if ok, _ := l.allow(1); !ok {
			t.Fatalf("after an idle hour, burst request %d refused (bucket must cap at burst, and refill to it)", i)
		}
	}
	if ok, _ := l.allow(1); ok {
		t.Error("bucket grew beyond its burst while idle")
	}
	if ok, _ := newLimiter(0, 0).allow(1); !ok {
		t.Error("rate 0 must not limit")
	}
}

// TestRateLimitOnByDefault: a server built with no limits limits submissions (100/s, bursts of
// 200 per token); a negative rate turns it off.
func TestRateLimitOnByDefault(t *testing.T) {
	now := time.Unix(0, 0)
	for _, tc := range []struct {
		limits  Limits
		allowed int // of 1000 at one instant
	}{
		{Limits{}, 200},
		{Limits{SubmitRate: 5, SubmitBurst: 7}, 7},
		{Limits{SubmitRate: -1}, 1000},
	} {
		l := tc.limits.withDefaults()
		lim := newLimiter(l.SubmitRate, l.SubmitBurst)
		lim.now = func() time.Time { return now }
		n := 0
		for range 1000 {
			if ok, _ := lim.allow(1); ok {
				n++
			}
		}
		if n != tc.allowed {
			t.Errorf("limits %+v: %d of 1000 simultaneous submissions allowed, want %d", tc.limits, n, tc.allowed)
		}
	}
}
