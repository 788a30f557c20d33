package api

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/judge-dev/judge/pkg/store"
)

// notification parses a payload as the listener delivers it.
func notification(t *testing.T, p string) store.Notification {
	t.Helper()
	n, err := store.ParseEventPayload(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// carrying is the payload of a notification that carries a status event seq after event after.
func carrying(id string, after, seq int64, typ string) string {
	return fmt.Sprintf(`%s:%d:%d:[{"seq": %d, "type": %q, "attempt": 1, "payload": {"type": %q, "status": "running"}}]`, id, seq, after, seq, typ, typ)
}

func TestHubDeliversNotificationsInOrder(t *testing.T) {
	h := newHub(nil, slog.New(slog.DiscardHandler))
	h.wake(notification(t, carrying("a", 0, 3, "status"))) // nobody subscribed: dropped
	sub := h.subscribe("a")
	other := h.subscribe("b")
	h.wake(notification(t, carrying("a", 3, 5, "status")))
	h.wake(notification(t, carrying("a", 5, 9, "done")))
	<-sub.C()
	ns, lost := h.take(sub)
	if lost || len(ns) != 2 || ns[0].Seq != 5 || ns[1].Seq != 9 {
		t.Fatalf("take = %+v, lost %v; want the notifications of 5 and 9", ns, lost)
	}
	if ns, lost := h.take(other); lost || len(ns) != 0 {
		t.Errorf("another submission's subscriber got %+v, lost %v", ns, lost)
	}
	// The stream sent 3: it writes 5 and 9 without reading.
	evs, read := delivered(ns, false, 3)
	if read || len(evs) != 2 || evs[0].Seq != 5 || evs[1].Seq != 9 || evs[1].Type != store.EventDone {
		t.Errorf("delivered after 3 = %+v, read %v; want events 5 and 9", evs, read)
	}
	// The stream already read up to 5 (its first read raced with the notification): 5 is
	// skipped, 9 follows on.
	if evs, read := delivered(ns, false, 5); read || len(evs) != 1 || evs[0].Seq != 9 {
		t.Errorf("delivered after 5 = %+v, read %v; want event 9", evs, read)
	}
	// Everything was sent already: nothing to write, nothing to read.
	if evs, read := delivered(ns, false, 9); read || len(evs) != 0 {
		t.Errorf("delivered after 9 = %+v, read %v; want nothing", evs, read)
	}
	h.unsubscribe("a", sub)
	h.unsubscribe("b", other)
	if len(h.subs) != 0 {
		t.Errorf("subscriptions left: %v", h.subs)
	}
}

func TestDeliveredReadsOnAGapOrWithoutEvents(t *testing.T) {
	tests := []struct {
		name string
		ns   []string
		last int64
	}{
		// Event 4 was committed but its notification is not here (a gap): read it.
		{"gap", []string{carrying("a", 4, 5, "status")}, 3},
		{"gap after a delivered one", []string{carrying("a", 3, 5, "status"), carrying("a", 6, 7, "status")}, 3},
		// A large event (compile output) is announced by id and seq only.
		{"id only", []string{store.EventPayload("a", 5)}, 3},
		{"id only after a delivered one", []string{carrying("a", 3, 5, "status"), store.EventPayload("a", 7)}, 3},
		// The stream resumed from a Last-Event-ID past the notification's start.
		{"overlap", []string{`a:9:3:[{"seq": 5, "type": "test", "attempt": 1, "payload": {"type": "test"}}, {"seq": 9, "type": "test", "attempt": 1, "payload": {"type": "test"}}]`}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ns []store.Notification
			for _, p := range tt.ns {
				ns = append(ns, notification(t, p))
			}
			if evs, read := delivered(ns, false, tt.last); !read {
				t.Errorf("delivered = %+v without reading; want a read", evs)
			}
		})
	}
}

func TestHubLosesToARead(t *testing.T) {
	h := newHub(nil, slog.New(slog.DiscardHandler))
	sub := h.subscribe("a")
	defer h.unsubscribe("a", sub)
	h.wake(notification(t, carrying("a", 3, 5, "status")))
	h.wakeAll() // the listener reconnected: notifications may be missing
	<-sub.C()
	ns, lost := h.take(sub)
	if !lost || len(ns) != 0 {
		t.Fatalf("after a reconnect: take = %+v, lost %v; want lost", ns, lost)
	}
	if _, read := delivered(ns, lost, 3); !read {
		t.Error("a lost notification did not make the stream read")
	}
	if ns, lost := h.take(sub); lost || len(ns) != 0 {
		t.Errorf("second take = %+v, lost %v; want nothing", ns, lost)
	}
	// A subscriber that does not keep up holds at most maxPending notifications, then reads.
	for i := range int64(maxPending + 10) {
		h.wake(notification(t, carrying("a", 10+i, 11+i, "status")))
	}
	if ns, lost := h.take(sub); !lost || len(ns) != 0 {
		t.Errorf("overflow: take = %d notifications, lost %v; want none, lost", len(ns), lost)
	}
}

func TestMayBeDone(t *testing.T) {
	tests := []struct {
		name string
		ns   []string
		lost bool
		want bool
	}{
		{"running", []string{carrying("a", 3, 5, "status")}, false, false},
		{"done", []string{carrying("a", 3, 5, "status"), carrying("a", 5, 9, "done")}, false, true},
		{"id only", []string{store.EventPayload("a", 5)}, false, true},
		{"lost", nil, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ns []store.Notification
			for _, p := range tt.ns {
				ns = append(ns, notification(t, p))
			}
			if got := mayBeDone(ns, tt.lost); got != tt.want {
				t.Errorf("mayBeDone = %v, want %v", got, tt.want)
			}
		})
	}
}
