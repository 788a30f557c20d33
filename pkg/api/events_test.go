package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

type sseEvent struct {
	id, typ string
	data    apiv1.Event
}

// openStream connects to the events of id and returns a channel of parsed events, closed when
// the stream ends.
func openStream(t *testing.T, e *env, token, id string, lastEventID int64) (<-chan sseEvent, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hr, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/v1/submissions/"+id+"/events", nil)
	hr.Header.Set("Authorization", "Bearer "+token)
	if lastEventID > 0 {
		hr.Header.Set("Last-Event-ID", strconv.FormatInt(lastEventID, 10))
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	out := make(chan sseEvent, 16)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(nil, 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.typ != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				ev.typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data); err != nil {
					t.Errorf("bad data line %q: %v", line, err)
				}
			}
		}
	}()
	return out, res
}

func next(t *testing.T, c <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-c:
		if !ok {
			t.Fatal("stream ended early")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return sseEvent{}
}

func TestEventsReplayResumeAndLive(t *testing.T) {
	// Polling is slowed to a minute, so live events can only arrive through LISTEN/NOTIFY.
	e := newEnv(t, envOpts{poll: time.Minute})
	id := e.submit(e.sub)
	running := e.event(id, store.Event{Type: store.EventStatus, Status: store.StatusRunning})

	// From the start: both stored events, in order.
	c, res := openStream(t, e, e.sub, id, 0)
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q", res.StatusCode, ct)
	}
	first := next(t, c)
	if first.typ != apiv1.EventStatus || first.data.Status != apiv1.StatusQueued {
		t.Errorf("first event = %+v, want status queued", first)
	}
	if ev := next(t, c); ev.id != strconv.FormatInt(running, 10) || ev.data.Seq != running || ev.data.Status != apiv1.StatusRunning {
		t.Errorf("second event = %+v, want running with seq %d", ev, running)
	}

	// A second client resuming after the first event gets only what followed it.
	c2, _ := openStream(t, e, e.viewer, id, first.data.Seq)
	if ev := next(t, c2); ev.data.Seq != running {
		t.Errorf("resumed stream starts at %d, want %d", ev.data.Seq, running)
	}

	// Live: a hidden test's output is stripped on the way out.
	e.event(id, store.Event{Type: store.EventTest, Test: &store.TestResult{Index: 1, Name: "secret/1", Hidden: true, Verdict: "AC", TimeMS: 7, Stdout: "secret answer"}})
	for _, s := range []<-chan sseEvent{c, c2} {
		ev := next(t, s)
		if ev.typ != apiv1.EventTest || ev.data.Test == nil || ev.data.Test.TimeMS != 7 || ev.data.Test.Stdout != "" {
			t.Errorf("test event = %+v, want hidden test without output", ev.data.Test)
		}
	}
	e.finish(id, apiv1.VerdictAC)
	for _, s := range []<-chan sseEvent{c, c2} {
		ev := next(t, s)
		if ev.typ != apiv1.EventDone || ev.data.Submission == nil || ev.data.Submission.Verdict != apiv1.VerdictAC {
			t.Errorf("done event = %+v, want the finished submission", ev.data)
		}
		if _, open := <-s; open {
			t.Error("stream still open after done")
		}
	}

	// Resuming after the done event ends at once with a done event without an id.
	c4, _ := openStream(t, e, e.sub, id, 1<<40)
	if ev := next(t, c4); ev.typ != apiv1.EventDone || ev.id != "" {
		t.Errorf("resume after done = %+v (id %q)", ev.data, ev.id)
	}

	// A finished submission replays to its end and closes.
	c3, _ := openStream(t, e, e.admin, id, 0)
	n := 0
	for range c3 {
		n++
	}
	if n != 4 {
		t.Errorf("replay of a finished submission sent %d events, want 4", n)
	}
}

func TestEventsBadLastEventID(t *testing.T) {
	e := newEnv(t, envOpts{})
	id := e.submit(e.sub)
	r := e.do(req{method: "GET", path: "/v1/submissions/" + id + "/events", token: e.sub, header: map[string]string{"Last-Event-ID": "abc"}})
	if r.status != 400 || r.problem(t).Type != apiv1.ErrTypeBadRequest {
		t.Errorf("bad Last-Event-ID: %d %s", r.status, r.body)
	}
}

func TestWait(t *testing.T) {
	e := newEnv(t, envOpts{poll: time.Minute})
	// Nothing finishes it: 202 after the wait.
	start := time.Now()
	r := e.do(req{method: "POST", path: "/v1/submissions?wait=300ms", token: e.sub, body: adhoc()})
	if r.status != http.StatusAccepted || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("unfinished wait: %d after %s: %s", r.status, time.Since(start), r.body)
	}

	// A worker finishes it while the POST waits: 200 with the verdict.
	type result struct {
		r   resp
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := e.try(req{method: "POST", path: "/v1/submissions?wait=30s", token: e.sub, body: adhoc(), header: map[string]string{"Idempotency-Key": "w"}})
		done <- result{r, err}
	}()
	var id string
	deadline := time.Now().Add(10 * time.Second)
	for id == "" && time.Now().Before(deadline) {
		_ = e.st.DB().QueryRow(`SELECT id FROM submissions WHERE idempotency_key = 'w'`).Scan(&id)
		if id == "" {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if id == "" {
		t.Fatal("submission never stored")
	}
	e.finish(id, apiv1.VerdictAC)
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatal(res.err)
		}
		if res.r.status != http.StatusOK {
			t.Fatalf("finished wait: %d %s", res.r.status, res.r.body)
		}
		if sub := decode[apiv1.Submission](t, res.r); sub.ID != id || sub.Verdict != apiv1.VerdictAC {
			t.Errorf("wait answered %+v", sub)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("wait did not return after the submission finished (NOTIFY lost?)")
	}

	// GET ?wait= on a finished submission answers at once.
	r = e.do(req{method: "GET", path: "/v1/submissions/" + id + "?wait=30s", token: e.sub})
	if r.status != 200 || decode[apiv1.Submission](t, r).Verdict != apiv1.VerdictAC {
		t.Errorf("GET wait: %d %s", r.status, r.body)
	}
}

func TestEventsEndForDoneSubmissionWithoutDoneEvent(t *testing.T) {
	e := newEnv(t, envOpts{poll: 100 * time.Millisecond})
	id := e.submit(e.sub)
	// Finished behind the API's back, without the done event the contract asks for.
	if _, err := e.st.DB().Exec(`UPDATE submissions SET status = 'done', verdict = 'AC' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	c, _ := openStream(t, e, e.sub, id, 0)
	if ev := next(t, c); ev.data.Status != apiv1.StatusQueued {
		t.Errorf("first event %+v", ev)
	}
	ev := next(t, c)
	if ev.typ != apiv1.EventDone || ev.id != "" || ev.data.Submission == nil || ev.data.Submission.Verdict != apiv1.VerdictAC {
		t.Errorf("synthesised done = %+v (id %q)", ev.data, ev.id)
	}
	if _, open := <-c; open {
		t.Error("stream still open")
	}
}

func TestShutdownEndsWaitsAndStreams(t *testing.T) {
	e := newEnv(t, envOpts{poll: time.Minute})
	id := e.submit(e.sub)
	c, _ := openStream(t, e, e.sub, id, 0)
	next(t, c)
	waited := make(chan resp, 1)
	go func() {
		r, err := e.try(req{method: "GET", path: "/v1/submissions/" + id + "?wait=60s", token: e.sub})
		if err != nil {
			t.Error(err)
		}
		waited <- r
	}()
	// Give the wait time to subscribe; whether it has or not, Close must end it.
	time.Sleep(200 * time.Millisecond)
	e.api.Close()
	select {
	case r := <-waited:
		if r.status != 200 || decode[apiv1.Submission](t, r).Status != apiv1.StatusQueued {
			t.Errorf("wait after Close: %d %s", r.status, r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("wait still held 10s after Close")
	}
	select {
	case _, open := <-c:
		if open {
			t.Error("stream sent an event after Close")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stream still open 10s after Close")
	}
}
