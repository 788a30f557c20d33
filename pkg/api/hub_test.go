package api

import (
	"log/slog"
	"math"
	"testing"
)

func TestHubRemembersTheLatestNotifiedSeq(t *testing.T) {
	h := newHub(nil, slog.New(slog.DiscardHandler))
	h.wake("a", 5) // nobody subscribed: nothing to remember
	if got := h.notifiedUpTo("a"); got != 0 {
		t.Fatalf("notifiedUpTo without subscribers = %d, want 0", got)
	}
	wake, unsubscribe := h.subscribe("a")
	h.wake("a", 7)
	h.wake("a", 6) // a transaction that committed late: the highest stays
	<-wake
	if got := h.notifiedUpTo("a"); got != 7 {
		t.Errorf("notifiedUpTo = %d, want 7", got)
	}
	h.wakeAll() // the listener reconnected: anything may have been written
	if got := h.notifiedUpTo("a"); got != math.MaxInt64 {
		t.Errorf("notifiedUpTo after a reconnect = %d, want MaxInt64", got)
	}
	unsubscribe()
	if got := h.notifiedUpTo("a"); got != 0 {
		t.Errorf("notifiedUpTo after the last subscriber left = %d, want 0", got)
	}
}
