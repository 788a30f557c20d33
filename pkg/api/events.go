package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// eventStore is what the SSE route needs.
type eventStore interface {
	SubmissionEvents(ctx context.Context, id string, after int64) (store.Submission, []store.Event, error)
	EventsAfter(ctx context.Context, submissionID string, after int64) ([]store.Event, error)
}

// heartbeat keeps idle SSE connections (and the proxies between) from timing out.
const heartbeat = 15 * time.Second

// submissionEvents streams a submission's events as Server-Sent Events: first every stored event
// after Last-Event-ID (header, or ?last_event_id=), then new ones as they are committed, until
// the "done" event. Any replica can serve any stream: events come from PostgreSQL, directly or
// carried by the NOTIFY that announced them (see hub).
func (s *Server) submissionEvents(w http.ResponseWriter, r *http.Request, p principal) error {
	id := r.PathValue("id")
	if err := checkSubmissionID(id); err != nil {
		return err
	}
	// PostgreSQL names a submission by its UUID's canonical text, notifications too.
	id = strings.ToLower(id)
	last := int64(0)
	lastID := r.Header.Get("Last-Event-ID")
	if lastID == "" {
		lastID = r.URL.Query().Get("last_event_id")
	}
	if lastID != "" {
		var err error
		if last, err = strconv.ParseInt(lastID, 10, 64); err != nil || last < 0 {
			return errBadRequest("Last-Event-ID %q: want the id of an event this stream sent", lastID)
		}
	}
	// Subscribe before the first read, so nothing committed in between is missed.
	follow := s.hub.subscribe(id)
	defer s.hub.unsubscribe(id, follow)
	ctx := r.Context()
	// The first read (the submission and its events in one statement) decides between a 200
	// stream and an error answer.
	sub, evs, err := s.store.SubmissionEvents(ctx, id, last)
	if err := visibleTo(p, id, sub, err); err != nil {
		return err
	}
	if !s.streams.tryAcquire() {
		s.metrics.capped.WithLabelValues("events").Inc()
		return &apiError{status: http.StatusServiceUnavailable, typ: apiv1.ErrTypeUnavailable, title: "Too many event streams",
			detail:     fmt.Sprintf("this replica serves at most %d event streams at once; retry after Retry-After seconds, or poll GET /v1/submissions/{id}?wait=", s.limits.MaxStreams),
			retryAfter: 5}
	}
	defer s.streams.release()
	if len(evs) == 0 && sub.Status == apiv1.StatusDone {
		// Resumed after the end (the client saw "done" and reconnected anyway): say so at once.
		evs = []store.Event{{Type: store.EventDone, Status: store.StatusDone}}
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	s.metrics.streams.Inc()
	defer s.metrics.streams.Dec()

	poll := time.NewTicker(s.poll)
	defer poll.Stop()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	polled := false
	for {
		for _, ev := range evs {
			if err := s.writeEvent(ctx, w, id, ev); err != nil {
				return nil // the client left mid-write; nobody to answer
			}
			last = max(last, ev.Seq)
			if ev.Type == apiv1.EventDone {
				_ = rc.Flush()
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.hub.closing():
			return nil
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			evs = nil
			continue
		case <-follow.C():
			ns, lost := s.hub.take(follow)
			var read bool
			if evs, read = delivered(ns, lost, last); !read {
				continue
			}
		case <-poll.C:
			polled = true
		}
		if evs, err = s.store.EventsAfter(ctx, id, last); err != nil {
			// Headers are gone; end the stream and let the client resume with Last-Event-ID.
			s.log.Warn("event stream: read events", "submission", id, "err", err)
			return nil
		}
		if polled && len(evs) == 0 {
			// Writers append "done" with the final update, so a finished submission without one
			// was finished by something that broke the contract; end the stream anyway, with a
			// done event that has no id (seq 0), so a resuming client skips nothing.
			if st, err := s.store.SubmissionStatus(ctx, id); err == nil && st == apiv1.StatusDone {
				s.log.Warn("event stream: submission done without a done event", "submission", id)
				evs = []store.Event{{Type: store.EventDone, Status: store.StatusDone}}
			}
		}
		polled = false
	}
}

// delivered returns the events after seq last that notifications ns carried, oldest first, or
// read true when the stream must read the database instead: notifications were lost, or one
// left out its events (too large to carry) or did not follow on from what the stream has sent
// (a gap). Notifications of events the stream has sent are skipped.
func delivered(ns []store.Notification, lost bool, last int64) (evs []store.Event, read bool) {
	if lost {
		return nil, true
	}
	for _, n := range ns {
		if n.Seq <= last {
			continue
		}
		if !n.HasEvents() || n.After != last {
			return nil, true
		}
		got, err := n.Events()
		if err != nil {
			return nil, true
		}
		evs, last = append(evs, got...), n.Seq
	}
	return evs, false
}

// writeEvent writes one SSE event. A done event carries the submission as the caller may see
// it, read now (the worker's payload is not trusted to hide hidden tests).
func (s *Server) writeEvent(ctx context.Context, w http.ResponseWriter, id string, sev store.Event) error {
	ev := eventV1(sev)
	if ev.Type == apiv1.EventDone {
		sub, err := s.store.GetSubmission(ctx, id, false)
		if err != nil {
			return err
		}
		v := view(sub, false)
		ev.Submission = &v
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if ev.Seq == 0 {
		_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, data)
		return err
	}
	_, err = fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, ev.Type, data)
	return err
}
