package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
)

func newTestClient(t *testing.T, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, "tok", WithBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://"} {
		if _, err := New(u, ""); err == nil {
			t.Errorf("New(%q) = nil error, want one", u)
		}
	}
	c, err := New("127.0.0.1:8080/", "")
	if err != nil || c.BaseURL() != "http://127.0.0.1:8080" {
		t.Fatalf("New(host:port) = %v, %v; want http://127.0.0.1:8080", c, err)
	}
}

func TestSubmitRetriesWithSameIdempotencyKey(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
		}
		var req apiv1.SubmissionRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Language != "python3" {
			t.Errorf("body = %+v, %v", req, err)
		}
		if n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, `{"id":"s1","status":"queued"}`)
	}))
	acc, err := c.Submit(context.Background(), apiv1.SubmissionRequest{Language: "python3", Source: "print(1)"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if acc.ID != "s1" {
		t.Errorf("id = %q", acc.ID)
	}
	if len(keys) != 3 || keys[0] == "" || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Errorf("idempotency keys = %q, want 3 equal non-empty keys", keys)
	}
}

func TestAPIErrorFromProblemJSON(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"type":%q,"title":"Unauthorized","status":401,"detail":"token revoked"}`, apiv1.ErrTypeUnauthorized)
	}))
	_, err := c.Stats(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if ae.StatusCode != 401 || ae.Type != apiv1.ErrTypeUnauthorized || ae.Detail != "token revoked" {
		t.Errorf("APIError = %+v", ae)
	}
	if !IsStatus(err, 401) {
		t.Error("IsStatus(err, 401) = false")
	}
}

func TestUnreachableIsTransportError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := New("http://"+addr, "", WithRetries(1), WithBackoff(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Languages(context.Background())
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want *TransportError", err)
	}
}

func TestLanguagesAcceptsBothShapes(t *testing.T) {
	for _, body := range []string{`[{"id":"c","extensions":[".c"]}]`, `{"items":[{"id":"c","extensions":[".c"]}]}`} {
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, body)
		}))
		langs, err := c.Languages(context.Background())
		if err != nil || len(langs) != 1 || langs[0].ID != "c" {
			t.Errorf("Languages(%s) = %+v, %v", body, langs, err)
		}
	}
}

// sseServer serves events 1..n for one submission and drops the connection after every
// `dropEvery` events, honouring Last-Event-ID like the real API.
type sseServer struct {
	n, dropEvery int
	mu           sync.Mutex
	lastIDs      []string
}

func (s *sseServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.lastIDs = append(s.lastIDs, r.Header.Get("Last-Event-ID"))
	s.mu.Unlock()
	start := int64(0)
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		start, _ = strconv.ParseInt(v, 10, 64)
	}
	w.Header().Set("Content-Type", "text/event-stream")
	sent := 0
	fmt.Fprint(w, ": hello\n\n")
	for seq := start + 1; seq <= int64(s.n); seq++ {
		typ := apiv1.EventTest
		if seq == int64(s.n) {
			typ = apiv1.EventDone
		}
		data, _ := json.Marshal(apiv1.Event{Seq: seq, Type: typ})
		fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", seq, typ, data)
		w.(http.Flusher).Flush()
		sent++
		if sent == s.dropEvery && seq != int64(s.n) {
			return // connection ends mid-stream
		}
	}
}

func TestFollowResumesAfterDroppedConnection(t *testing.T) {
	srv := &sseServer{n: 10, dropEvery: 3}
	c := newTestClient(t, srv)
	var got []int64
	reconnects := 0
	err := c.Follow(context.Background(), "s1", FollowOptions{OnReconnect: func(error, time.Duration) { reconnects++ }}, func(e apiv1.Event) error {
		got = append(got, e.Seq)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, seq := range got {
		if seq != int64(i+1) {
			t.Fatalf("events = %v, want 1..10 each once", got)
		}
	}
	if len(got) != 10 {
		t.Fatalf("events = %v, want 1..10 each once", got)
	}
	if reconnects != 3 {
		t.Errorf("reconnects = %d, want 3", reconnects)
	}
	want := []string{"", "3", "6", "9"}
	if fmt.Sprint(srv.lastIDs) != fmt.Sprint(want) {
		t.Errorf("Last-Event-ID headers = %q, want %q", srv.lastIDs, want)
	}
}

func TestFollowDropsReplayedEvents(t *testing.T) {
	// A server that ignores Last-Event-ID and replays from the start each time.
	calls := 0
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "text/event-stream")
		limit := 2 * calls
		for seq := 1; seq <= limit && seq <= 5; seq++ {
			typ := apiv1.EventTest
			if seq == 5 {
				typ = apiv1.EventDone
			}
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: {\"seq\":%d,\"type\":%q}\n\n", seq, typ, seq, typ)
		}
	}))
	var got []int64
	err := c.Follow(context.Background(), "s1", FollowOptions{}, func(e apiv1.Event) error {
		got = append(got, e.Seq)
		return nil
	})
	if err != nil || fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Fatalf("Follow = %v, events %v; want [1 2 3 4 5]", err, got)
	}
}

func TestFollowStopsOn404(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(404)
		fmt.Fprint(w, `{"title":"Not Found","status":404,"detail":"no submission x"}`)
	}))
	err := c.Follow(context.Background(), "x", FollowOptions{}, func(apiv1.Event) error { return nil })
	if !IsStatus(err, 404) {
		t.Fatalf("err = %v, want 404 APIError", err)
	}
}

func TestFollowReconnectsIdleConnection(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns++
		n := conns
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		if n == 1 {
			fmt.Fprint(w, "id: 1\nevent: test\ndata: {\"seq\":1,\"type\":\"test\"}\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done() // a stalled connection: headers sent, then silence
			return
		}
		if got := r.Header.Get("Last-Event-ID"); got != "1" {
			t.Errorf("Last-Event-ID = %q, want 1", got)
		}
		fmt.Fprint(w, "id: 2\nevent: done\ndata: {\"seq\":2,\"type\":\"done\"}\n\n")
	}))
	var got []int64
	err := c.Follow(context.Background(), "s1", FollowOptions{IdleTimeout: 100 * time.Millisecond}, func(e apiv1.Event) error {
		got = append(got, e.Seq)
		return nil
	})
	if err != nil || fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("Follow = %v, events %v; want [1 2]", err, got)
	}
}

func TestFollowRefusesNonEventStream(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>proxy login</html>")
	}))
	err := c.Follow(context.Background(), "s1", FollowOptions{}, func(apiv1.Event) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "text/event-stream") {
		t.Fatalf("err = %v, want a Content-Type error", err)
	}
}

func BenchmarkSSEReader(b *testing.B) {
	var buf strings.Builder
	data, _ := json.Marshal(apiv1.Event{Seq: 1, Type: apiv1.EventTest, Test: &apiv1.TestResult{Index: 1, Name: "secret/001", Verdict: "AC", TimeMS: 12, MemoryKB: 2048}})
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&buf, "id: %d\nevent: test\ndata: %s\n\n", i+1, data)
	}
	stream := buf.String()
	b.SetBytes(int64(len(stream)))
	b.ResetTimer()
	for range b.N {
		r := newSSEReader(strings.NewReader(stream))
		n := 0
		for {
			ev, err := r.next()
			if err != nil {
				break
			}
			var e apiv1.Event
			if json.Unmarshal([]byte(ev.data), &e) != nil {
				b.Fatal("bad event")
			}
			n++
		}
		if n != 1000 {
			b.Fatalf("parsed %d events, want 1000", n)
		}
	}
}

func TestPushProblemReportsUploadProgress(t *testing.T) {
	const size = 3<<20 + 17
	var gotLen int64
	var gotTE []string
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotLen, gotTE = r.ContentLength, r.TransferEncoding
		n, _ := io.Copy(io.Discard, r.Body)
		if n != size {
			t.Errorf("server read %d bytes, want %d", n, size)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(apiv1.ProblemPushed{Problem: apiv1.Problem{Slug: "sum", Version: 1}, Created: true})
	}))
	var mu sync.Mutex
	var calls int
	var last, total int64 = -1, -1
	monotone := true
	_, err := c.PushProblem(context.Background(), "sum", bytes.NewReader(make([]byte, size)), "application/gzip",
		WithUploadProgress(func(sent, tot int64) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if sent < last {
				monotone = false
			}
			last, total = sent, tot
		}))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls < 3 || last != size || total != size || !monotone {
		t.Errorf("progress: %d calls, last %d of %d (monotone %v); want several calls ending at %d of %d", calls, last, total, monotone, size, size)
	}
	if gotLen != size || len(gotTE) != 0 {
		t.Errorf("Content-Length %d, Transfer-Encoding %v; want %d and none (not chunked)", gotLen, gotTE, size)
	}
}

// TestFollowReusesTheConnection: streams that end with "done" hand their connection back, so
// following many submissions one after another opens one connection, not one each.
func TestFollowReusesTheConnection(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "retry: 2000\n\n")
		w.(http.Flusher).Flush()
		fmt.Fprintf(w, "id: 1\nevent: done\ndata: {\"seq\":1,\"type\":\"done\"}\n\n")
		w.(http.Flusher).Flush()
		// The end of the response arrives a little after "done", as over a real network.
		time.Sleep(20 * time.Millisecond)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		done := false
		if err := c.Follow(context.Background(), fmt.Sprintf("s%d", i), FollowOptions{}, func(e apiv1.Event) error {
			done = e.Type == apiv1.EventDone
			return nil
		}); err != nil || !done {
			t.Fatalf("Follow %d = %v, done %v", i, err, done)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 1 {
		t.Errorf("5 followed streams opened %d connections, want 1", conns)
	}
}
