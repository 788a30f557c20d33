package api

import (
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// limiter is a token bucket per API token for submissions. It is per replica: behind N
// replicas a token gets up to N times the rate, which is fine for its purpose (keeping one
// runaway script from filling the queue), and needs no shared state.
type limiter struct {
	rate  float64 // tokens per second; 0 disables
	burst float64

	mu      sync.Mutex
	buckets map[int64]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	if burst < 1 {
		burst = max(1, int(math.Ceil(rate)))
	}
	return &limiter{rate: rate, burst: float64(burst), buckets: map[int64]*bucket{}, now: time.Now}
}

// allow takes one token for key, or says how long until one is available.
func (l *limiter) allow(key int64) (bool, time.Duration) {
	if l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100_000 {
			clear(l.buckets) // a crude bound; full buckets are the default anyway
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

func (s *Server) checkRate(p principal) error {
	ok, wait := s.limiter.allow(p.tokenID)
	if ok {
		return nil
	}
	return &apiError{status: http.StatusTooManyRequests, typ: apiv1.ErrTypeRateLimited, title: "Too many submissions",
		detail: "this token submits faster than the server allows; retry after Retry-After seconds", retryAfter: max(1, int(math.Ceil(wait.Seconds())))}
}
