package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// FollowOptions tune Follow.
type FollowOptions struct {
	// LastEventID resumes after this sequence number (0 = from the start).
	LastEventID int64
	// OnReconnect, if set, is called before each reconnect with the error that ended the
	// previous connection and the wait before the next attempt.
	OnReconnect func(err error, wait time.Duration)
	// IdleTimeout drops a connection that delivered nothing (not even a keep-alive comment)
	// for this long and reconnects, so a half-open TCP connection cannot hang the follower.
	// Zero means 60s; the API sends a keep-alive well within that.
	IdleTimeout time.Duration
}

// Follow streams the events of submission id (GET /v1/submissions/{id}/events) and calls fn for
// each one, in order and exactly once, until the "done" event, an error from fn, a 4xx answer,
// or ctx ends. When the connection drops it reconnects with exponential backoff and sends
// Last-Event-ID so the server replays only what was missed; events at or below the last seen
// sequence are dropped, in case a server replays more. The backoff resets after any event.
func (c *Client) Follow(ctx context.Context, id string, o FollowOptions, fn func(apiv1.Event) error) error {
	last := o.LastEventID
	wait := c.minBackoff
	for {
		progressed, done, err := c.followOnce(ctx, id, &last, o.idle(), fn)
		if done {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fnErr *callbackError
		if errors.As(err, &fnErr) {
			return fnErr.err
		}
		var typeErr *streamTypeError
		if errors.As(err, &typeErr) {
			return fmt.Errorf("follow submission %s: %w", id, err)
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.StatusCode < 500 && ae.StatusCode != http.StatusTooManyRequests {
			return fmt.Errorf("follow submission %s: %w", id, err)
		}
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		if progressed {
			wait = c.minBackoff
		}
		if o.OnReconnect != nil {
			o.OnReconnect(err, wait)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(wait*2, c.maxBackoff)
	}
}

func (o FollowOptions) idle() time.Duration {
	if o.IdleTimeout > 0 {
		return o.IdleTimeout
	}
	return 60 * time.Second
}

// activityReader reports every successful read, to feed the idle watchdog.
type activityReader struct {
	r      io.Reader
	active func()
}

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.active()
	}
	return n, err
}

type streamTypeError struct{ got string }

func (e *streamTypeError) Error() string {
	return fmt.Sprintf("the server answered the event stream with Content-Type %q, not text/event-stream (a proxy in between, or not a judge API?)", e.got)
}

type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }

// followOnce reads one connection. progressed says whether any new event arrived; done whether
// the stream delivered "done".
func (c *Client) followOnce(ctx context.Context, id string, last *int64, idle time.Duration, fn func(apiv1.Event) error) (progressed, done bool, err error) {
	h := http.Header{"Accept": {"text/event-stream"}, "Cache-Control": {"no-cache"}}
	if *last > 0 {
		h.Set("Last-Event-ID", strconv.FormatInt(*last, 10))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := c.sendOnce(ctx, request{method: http.MethodGet, path: "/v1/submissions/" + url.PathEscape(id) + "/events", header: h})
	if err != nil {
		return false, false, err
	}
	defer resp.Body.Close()
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		// A proxy's error page or a server without SSE: reconnecting would never help.
		return false, false, &streamTypeError{got: resp.Header.Get("Content-Type")}
	}
	watchdog := time.AfterFunc(idle, cancel)
	defer watchdog.Stop()
	r := newSSEReader(&activityReader{r: resp.Body, active: func() { watchdog.Reset(idle) }})
	for {
		ev, err := r.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return progressed, false, io.ErrUnexpectedEOF
			}
			return progressed, false, &TransportError{URL: c.base.String(), Err: err}
		}
		if ev.data == "" {
			continue
		}
		var e apiv1.Event
		if err := json.Unmarshal([]byte(ev.data), &e); err != nil {
			return progressed, false, fmt.Errorf("follow submission %s: bad event data %q: %w", id, ev.data, err)
		}
		if e.Seq == 0 && ev.id != "" {
			e.Seq, _ = strconv.ParseInt(ev.id, 10, 64)
		}
		if e.Type == "" {
			e.Type = ev.typ
		}
		if e.Seq != 0 && e.Seq <= *last {
			continue // replayed: already delivered
		}
		if e.Seq != 0 {
			*last = e.Seq
		}
		progressed = true
		if err := fn(e); err != nil {
			return progressed, false, &callbackError{err: err}
		}
		if e.Type == apiv1.EventDone {
			// The server ends the response right after "done". Reading that end lets the
			// connection go back to the pool (a body closed early closes its connection: a new
			// TCP connection per followed submission otherwise), but never wait long for it.
			watchdog.Reset(doneDrainWait)
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			return progressed, true, nil
		}
	}
}

// doneDrainWait bounds the wait for the end of a stream after its "done" event.
const doneDrainWait = 100 * time.Millisecond

// sseEvent is one dispatched Server-Sent Event.
type sseEvent struct {
	id   string
	typ  string
	data string
}

// sseReader parses text/event-stream per the WHATWG rules that matter here: id, event, data
// (multi-line joined with \n), comments and blank-line dispatch.
type sseReader struct{ sc *bufio.Scanner }

func newSSEReader(r io.Reader) *sseReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20) // a "done" event carries the whole submission
	return &sseReader{sc: sc}
}

func (r *sseReader) next() (sseEvent, error) {
	var ev sseEvent
	var data []string
	seen := false
	for r.sc.Scan() {
		line := r.sc.Text()
		if line == "" {
			if seen {
				ev.data = strings.Join(data, "\n")
				return ev, nil
			}
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			ev.id = value
		case "event":
			ev.typ = value
		case "data":
			data = append(data, value)
		default:
			continue
		}
		seen = true
	}
	if err := r.sc.Err(); err != nil {
		return ev, err
	}
	return ev, io.EOF
}
