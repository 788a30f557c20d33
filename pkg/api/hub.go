package api

import (
	"log/slog"
	"math"
	"sync"

	"github.com/judge-dev/judge/pkg/store"
)

// hub fans the one LISTEN connection of this process out to every SSE stream and ?wait= of
// this process. A wake-up carries no data: the subscriber re-reads the database, which is the
// source of truth, so a coalesced or lost wake-up costs latency, never correctness. The hub
// remembers the highest seq notified for each subscribed submission, so a stream that already
// read that far skips the re-read.
type hub struct {
	mu     sync.Mutex
	subs   map[string]map[chan struct{}]struct{}
	latest map[string]int64
	done   chan struct{}
	once   sync.Once
	log    *slog.Logger
}

func newHub(n Notifications, log *slog.Logger) *hub {
	h := &hub{subs: map[string]map[chan struct{}]struct{}{}, latest: map[string]int64{}, done: make(chan struct{}), log: log}
	if n != nil {
		go h.run(n.C())
	}
	return h
}

func (h *hub) run(c <-chan string) {
	for {
		select {
		case <-h.done:
			return
		case p, ok := <-c:
			if !ok {
				return
			}
			if p == "" {
				h.wakeAll() // reconnected: anything may have been missed
				continue
			}
			id, seq, err := store.ParseEventPayload(p)
			if err != nil {
				h.log.Warn("ignoring malformed event notification", "err", err)
				continue
			}
			h.wake(id, seq)
		}
	}
}

// subscribe returns a channel that receives a value whenever submission id may have new
// events, and the function that ends the subscription. Shutdown is signalled by closing().
func (h *hub) subscribe(id string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[id] == nil {
		h.subs[id] = map[chan struct{}]struct{}{}
	}
	h.subs[id][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[id], ch)
		if len(h.subs[id]) == 0 {
			delete(h.subs, id)
			delete(h.latest, id)
		}
		h.mu.Unlock()
	}
}

func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default: // a wake-up is already pending; one is enough
	}
}

// anySubmission subscribes to the events of every submission.
const anySubmission = "*"

func (h *hub) wake(id string, seq int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[id]; ok {
		h.latest[id] = max(h.latest[id], seq)
	}
	for ch := range h.subs[id] {
		notify(ch)
	}
	for ch := range h.subs[anySubmission] {
		notify(ch)
	}
}

func (h *hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, chans := range h.subs {
		// Notifications were lost: nothing is known about what was written.
		h.latest[id] = math.MaxInt64
		for ch := range chans {
			notify(ch)
		}
	}
}

// notifiedUpTo is the highest seq notified for submission id since it was first subscribed
// (MaxInt64 after the listener reconnected), or 0.
func (h *hub) notifiedUpTo(id string) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.latest[id]
}

// closing is closed when the server shuts down, so long-lived streams end.
func (h *hub) closing() <-chan struct{} { return h.done }

func (h *hub) close() { h.once.Do(func() { close(h.done) }) }
