package api

import (
	"log/slog"
	"sync"

	"github.com/judge-dev/judge/pkg/store"
)

// hub fans the one LISTEN connection of this process out to every SSE stream and ?wait= of
// this process. A notification that carries its events (store.Notification.HasEvents) lets a
// stream that has sent everything before them write them without reading; anything else (a
// gap, an event too large to carry, a lost or coalesced notification, a reconnect of the
// listener) makes the subscriber re-read the database, which is the source of truth, so a lost
// notification costs latency, never correctness.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[*subscription]struct{}
	done chan struct{}
	once sync.Once
	log  *slog.Logger
}

// maxPending bounds the notifications a subscription holds for its reader; beyond it they are
// dropped and the reader re-reads the database.
const maxPending = 32

// subscription is one subscriber's share of the notifications of a submission.
type subscription struct {
	c chan struct{}
	// pending and lost are guarded by hub.mu: the notifications since the last take, and
	// whether some were dropped (or the listener reconnected) since.
	pending []store.Notification
	lost    bool
}

// C receives a value whenever the submission may have new events (one value for any number of
// notifications: take says what they were).
func (s *subscription) C() <-chan struct{} { return s.c }

func newHub(n Notifications, log *slog.Logger) *hub {
	h := &hub{subs: map[string]map[*subscription]struct{}{}, done: make(chan struct{}), log: log}
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
			n, err := store.ParseEventPayload(p)
			if err != nil {
				h.log.Warn("ignoring malformed event notification", "err", err)
				continue
			}
			h.wake(n)
		}
	}
}

// subscribe starts collecting the notifications of submission id (anySubmission: of every
// submission, as wake-ups only); unsubscribe ends it. Shutdown is signalled by closing().
func (h *hub) subscribe(id string) *subscription {
	s := &subscription{c: make(chan struct{}, 1)}
	h.mu.Lock()
	if h.subs[id] == nil {
		h.subs[id] = map[*subscription]struct{}{}
	}
	h.subs[id][s] = struct{}{}
	h.mu.Unlock()
	return s
}

func (h *hub) unsubscribe(id string, s *subscription) {
	h.mu.Lock()
	delete(h.subs[id], s)
	if len(h.subs[id]) == 0 {
		delete(h.subs, id)
	}
	h.mu.Unlock()
}

// take returns the notifications s received since the last take, oldest first, and whether
// any were lost (then the subscriber must re-read).
func (h *hub) take(s *subscription) (ns []store.Notification, lost bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ns, lost = s.pending, s.lost
	s.pending, s.lost = nil, false
	return ns, lost
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default: // a wake-up is already pending; one is enough
	}
}

// anySubmission subscribes to the events of every submission.
const anySubmission = "*"

func (h *hub) wake(n store.Notification) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[n.SubmissionID] {
		switch {
		case s.lost:
		case len(s.pending) == maxPending:
			s.pending, s.lost = nil, true
		default:
			s.pending = append(s.pending, n)
		}
		signal(s.c)
	}
	for s := range h.subs[anySubmission] {
		signal(s.c)
	}
}

func (h *hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.subs {
		for s := range subs {
			// Notifications were lost: nothing is known about what was written.
			s.pending, s.lost = nil, true
			signal(s.c)
		}
	}
}

// closing is closed when the server shuts down, so long-lived streams end.
func (h *hub) closing() <-chan struct{} { return h.done }

func (h *hub) close() { h.once.Do(func() { close(h.done) }) }
