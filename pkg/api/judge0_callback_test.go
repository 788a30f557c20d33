package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// hook is a callback receiver that answers each PUT with the next status of its script.
type hook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	script []int
	calls  []string // method and body of each call
}

func newHook(t *testing.T, script ...int) *hook {
	h := &hook{script: script}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		status := http.StatusOK
		if n := len(h.calls); n < len(h.script) {
			status = h.script[n]
		}
		h.calls = append(h.calls, r.Method+" "+string(b))
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) snapshot() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.calls...)
}

// pollFor polls cond every 50ms until it holds or d passes.
func pollFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestJudge0CallbackRetries: a callback is PUT only once the verdict is final, a failed try is
// retried after a backoff, and a receiver that keeps failing is given up after Judge0's 3 tries.
func TestJudge0CallbackRetries(t *testing.T) {
	e := newEnv(t, envOpts{poll: 100 * time.Millisecond, judge0: api.Judge0Options{CallbackHosts: []string{"127.0.0.1"}}})
	ctx := context.Background()
	state := func(id string) store.CallbackState {
		t.Helper()
		s, err := e.st.Judge0Callback(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	submit := func(h *hook) string {
		t.Helper()
		r := e.do(req{method: "POST", path: "/judge0/submissions", header: map[string]string{"X-Auth-Token": e.sub},
			body: map[string]any{"source_code": "print(1)", "language_id": 71, "callback_url": h.srv.URL + "/cb"}})
		if r.status != http.StatusCreated {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
		return decode[map[string]string](t, r)["token"]
	}

	t.Run("retried after a failure", func(t *testing.T) {
		h := newHook(t, http.StatusInternalServerError)
		id := submit(h)
		// The queued event woke the delivery loop; nothing is due before the verdict.
		if s := state(id); s.Attempts != 0 || s.Done || len(h.snapshot()) != 0 {
			t.Fatalf("before the verdict: %+v, calls %v", s, h.snapshot())
		}
		e.finishWith(id, apiv1.VerdictAC, 0, "", "1\n")
		pollFor(t, "the callback delivered", 20*time.Second, func() bool { return state(id).Done })
		calls := h.snapshot()
		if s := state(id); len(calls) != 2 || s.Attempts != 2 || s.Error != "" {
			t.Fatalf("after one failure: state %+v, calls %v; want 2 tries, the second delivered", s, calls)
		}
		for _, c := range calls {
			method, body, _ := strings.Cut(c, " ")
			var got struct {
				Token  string           `json:"token"`
				Stdout string           `json:"stdout"`
				Status struct{ ID int } `json:"status"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil || method != http.MethodPut || got.Token != id ||
				got.Status.ID != 3 || got.Stdout != "MQo=\n" {
				t.Errorf("callback %s, want a PUT of %s accepted, stdout base64", c, id)
			}
		}
	})

	t.Run("given up after three tries", func(t *testing.T) {
		h := newHook(t, http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
		id := submit(h)
		e.finishWith(id, apiv1.VerdictAC, 0, "", "1\n")
		pollFor(t, "the callback given up", 30*time.Second, func() bool { return state(id).Done })
		if s := state(id); s.Attempts != 3 || !strings.Contains(s.Error, "503") || len(h.snapshot()) != 3 {
			t.Errorf("state %+v after %d calls; want 3 tries and the 503 recorded", s, len(h.snapshot()))
		}
	})
}
