package testenv

import (
	"testing"
	"time"
)

// WaitFor polls cond every 50 ms until it holds, and fails the test with what after timeout:
// tests wait for a condition, never for a fixed time.
func WaitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
