package judgectlcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// fakeAPI is the judge's HTTP API as the client sees it: enough of pkg/api's contract to drive
// judgectl's commands. The verdict of a submission is the first word of its source that is a
// verdict ("AC" if none), so tests choose outcomes by what they submit.
type fakeAPI struct {
	t     *testing.T
	srv   *httptest.Server
	token string
	// dropAfter ends each submission's first event stream after that many events (0 = never).
	dropAfter int
	// hold keeps every event stream open after its first event, until the client leaves;
	// opened then receives the submission's ID once the first event is out.
	hold   bool
	opened chan string

	mu       sync.Mutex
	subs     map[string]*apiv1.Submission
	order    []string
	keys     map[string]string // Idempotency-Key → id
	posts    int
	streams  map[string]int // connections per submission's event stream
	lastIDs  []string
	problems map[string][]byte
	last     apiv1.SubmissionRequest
	// calibration, when set, is what a push answers and then each GET of the version, in turn
	// (the last one repeats): a version computing its time limit.
	calibration []apiv1.Problem
	forced      bool
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	a := &fakeAPI{t: t, token: "good", subs: map[string]*apiv1.Submission{}, keys: map[string]string{},
		streams: map[string]int{}, problems: map[string][]byte{}, opened: make(chan string, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/languages", a.languages)
	mux.HandleFunc("POST /v1/submissions", a.submit)
	mux.HandleFunc("GET /v1/submissions", a.list)
	mux.HandleFunc("GET /v1/submissions/{id}", a.get)
	mux.HandleFunc("GET /v1/submissions/{id}/events", a.events)
	mux.HandleFunc("GET /v1/stats", a.stats)
	mux.HandleFunc("PUT /v1/problems/{slug}", a.pushProblem)
	mux.HandleFunc("GET /v1/problems", a.listProblems)
	mux.HandleFunc("GET /v1/problems/{slug}", a.getProblem)
	mux.HandleFunc("GET /v1/problems/{slug}/versions/{version}", a.getProblemVersion)
	a.srv = httptest.NewServer(a.auth(mux))
	t.Cleanup(a.srv.Close)
	return a
}

// env returns the environment that points judgectl at the fake.
func (a *fakeAPI) env() map[string]string {
	return map[string]string{"JUDGE_SERVER": a.srv.URL, "JUDGE_TOKEN": a.token}
}

func problemJSON(w http.ResponseWriter, status int, typ, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(apiv1.ProblemDetails{Type: typ, Title: http.StatusText(status), Status: status, Detail: detail})
}

func (a *fakeAPI) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+a.token {
			problemJSON(w, 401, apiv1.ErrTypeUnauthorized, "invalid or missing bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (a *fakeAPI) languages(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, []apiv1.Language{
		{ID: "python3", Name: "Python 3", Version: "Python 3.13.5", Extensions: []string{".py"}},
		{ID: "c", Name: "C", Extensions: []string{".c", ".h"}, Compiled: true},
		{ID: "cpp", Name: "C++", Extensions: []string{".cpp", ".cc", ".h", ".C"}, Compiled: true},
	})
}

var verdictWords = []string{"AC", "WA", "TLE", "MLE", "OLE", "RE", "CE", "IE", "PA"}

func verdictOf(src string) string {
	for _, f := range strings.Fields(src) {
		for _, v := range verdictWords {
			if f == v {
				return v
			}
		}
	}
	return apiv1.VerdictAC
}

func (a *fakeAPI) submit(w http.ResponseWriter, r *http.Request) {
	var req apiv1.SubmissionRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Language == "" {
		problemJSON(w, 400, apiv1.ErrTypeValidation, "bad submission")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	a.mu.Lock()
	defer a.mu.Unlock()
	a.posts++
	a.last = req
	if id, ok := a.keys[key]; ok && key != "" {
		writeJSON(w, 202, apiv1.SubmissionAccepted{ID: id, Status: a.subs[id].Status})
		return
	}
	id := fakeID(len(a.subs) + 1)
	a.keys[key] = id
	src := req.Source
	for _, f := range req.Files {
		if f.Content != nil {
			src += "\n" + *f.Content
		}
	}
	v := verdictOf(src)
	s := &apiv1.Submission{ID: id, Owner: "tester", Problem: req.Problem, Language: req.Language,
		Status: apiv1.StatusDone, Verdict: v, TimeMS: 12, MemoryKB: 2048, CreatedAt: time.Unix(1700000000, 0).UTC()}
	switch {
	case v == apiv1.VerdictCE:
		s.CompileOutput = "main.c:1: error: expected ';'"
	case strings.Contains(req.Source, "samples"):
		// A problem with a sample and a hidden test: the sample fails with v, the hidden one
		// too; the hidden one carries no data, as the API redacts it.
		s.Tests = []apiv1.TestResult{
			{Index: 1, Name: "sample/1", Group: "sample", Verdict: v, TimeMS: 3, MemoryKB: 1024, Input: "1 2\n", Expected: "3\n", Stdout: "4\n"},
			{Index: 2, Name: "secret/1", Group: "secret", Hidden: true, Verdict: v, TimeMS: 5, MemoryKB: 1024},
		}
	default:
		for i := 1; i <= 3; i++ {
			tv := apiv1.VerdictAC
			if i == 3 {
				tv = v
			}
			s.Tests = append(s.Tests, apiv1.TestResult{Index: i, Name: fmt.Sprintf("secret/%02d", i), Verdict: tv, TimeMS: 4 * i, MemoryKB: 2048})
		}
	}
	a.subs[id] = s
	a.order = append(a.order, id)
	writeJSON(w, 202, apiv1.SubmissionAccepted{ID: id, Status: apiv1.StatusQueued, Location: "/v1/submissions/" + id})
}

func (a *fakeAPI) sub(w http.ResponseWriter, id string) (*apiv1.Submission, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.subs[id]
	if !ok {
		problemJSON(w, 404, apiv1.ErrTypeNotFound, "no submission "+id)
	}
	return s, ok
}

func (a *fakeAPI) get(w http.ResponseWriter, r *http.Request) {
	if s, ok := a.sub(w, r.PathValue("id")); ok {
		writeJSON(w, 200, s)
	}
}

func (a *fakeAPI) list(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out apiv1.SubmissionList
	for i := len(a.order) - 1; i >= 0; i-- {
		s := a.subs[a.order[i]]
		if p := r.URL.Query().Get("problem"); p != "" && s.Problem != p {
			continue
		}
		out.Items = append(out.Items, *s)
	}
	writeJSON(w, 200, out)
}

// eventsOf is the full event sequence of a finished submission.
func eventsOf(s *apiv1.Submission) []apiv1.Event {
	evs := []apiv1.Event{{Type: apiv1.EventStatus, Status: apiv1.StatusRunning}}
	for _, t := range s.Tests {
		evs = append(evs, apiv1.Event{Type: apiv1.EventTest, Test: &t})
	}
	evs = append(evs, apiv1.Event{Type: apiv1.EventDone, Status: apiv1.StatusDone, Submission: s})
	for i := range evs {
		evs[i].Seq = int64(i + 1)
	}
	return evs
}

func (a *fakeAPI) events(w http.ResponseWriter, r *http.Request) {
	s, ok := a.sub(w, r.PathValue("id"))
	if !ok {
		return
	}
	a.mu.Lock()
	a.streams[s.ID]++
	first := a.streams[s.ID] == 1
	a.lastIDs = append(a.lastIDs, r.Header.Get("Last-Event-ID"))
	hold := a.hold
	a.mu.Unlock()
	after, _ := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64)
	w.Header().Set("Content-Type", "text/event-stream")
	sent := 0
	for _, e := range eventsOf(s) {
		if e.Seq <= after {
			continue
		}
		if first && a.dropAfter > 0 && sent == a.dropAfter {
			return // the connection drops mid-stream
		}
		data, _ := json.Marshal(e)
		fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, data)
		w.(http.Flusher).Flush()
		sent++
		if hold {
			a.opened <- s.ID
			<-r.Context().Done()
			return
		}
	}
}

func (a *fakeAPI) stats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, apiv1.Stats{Queued: 3, Running: 2, DoneLastMin: 42, WorkersAlive: 2, RelayLagMS: 15,
		SubmittedLastMin: 48, VerdictsLastMin: map[string]int64{"AC": 30, "WA": 12},
		Workers: []apiv1.WorkerStats{
			{Name: "fake-worker-1", Slots: 4, HeartbeatAgeMS: 500, Running: []apiv1.RunningSubmission{
				{ID: fakeID(900), Problem: "hello", Language: "python3", Attempt: 1, StartedAt: time.Now().Add(-2 * time.Second)}}},
			{Name: "fake-worker-2", Slots: 2, HeartbeatAgeMS: 900},
		}})
}

func (a *fakeAPI) pushProblem(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	slug := r.PathValue("slug")
	a.mu.Lock()
	a.problems[slug] = body
	a.forced = r.URL.Query().Get("force") == "true"
	if len(a.calibration) > 0 {
		p := a.calibration[0]
		a.mu.Unlock()
		writeJSON(w, 201, apiv1.ProblemPushed{Problem: p, Created: true})
		return
	}
	a.mu.Unlock()
	writeJSON(w, 200, apiv1.ProblemPushed{Problem: apiv1.Problem{Slug: slug, Name: slug, Version: 1, Tests: 3}, Created: true})
}

func (a *fakeAPI) getProblemVersion(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.calibration) == 0 {
		problemJSON(w, 404, apiv1.ErrTypeNotFound, "no such version")
		return
	}
	if len(a.calibration) > 1 {
		a.calibration = a.calibration[1:]
	}
	writeJSON(w, 200, a.calibration[0])
}

func (a *fakeAPI) listProblems(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, apiv1.ProblemList{Items: []apiv1.Problem{{Slug: "hello", Name: "Hello", Version: 2, Type: "pass-fail", Samples: 1, Tests: 3}}})
}

func (a *fakeAPI) getProblem(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("slug") != "hello" {
		problemJSON(w, 404, apiv1.ErrTypeNotFound, "no problem "+r.PathValue("slug"))
		return
	}
	writeJSON(w, 200, apiv1.Problem{Slug: "hello", Name: "Hello", Version: 2, Type: "pass-fail", Samples: 1, Tests: 3})
}

// lastRequest returns the body of the most recent POST.
func (a *fakeAPI) lastRequest() apiv1.SubmissionRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
}

// fakeID is the n-th submission's ID, a UUID as the server's are.
func fakeID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }
