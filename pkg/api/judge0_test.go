package api_test

import (
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

func TestJudge0Compat(t *testing.T) {
	e := newEnv(t, envOpts{poll: time.Minute})
	langs := decode[[]struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}](t, e.do(req{method: "GET", path: "/judge0/languages", header: map[string]string{"X-Auth-Token": e.viewer}}))
	found := false
	for _, l := range langs {
		found = found || l.ID == 71
	}
	if !found {
		t.Fatalf("languages %+v lack Judge0's python id 71", langs)
	}

	src := base64.StdEncoding.EncodeToString([]byte("print(input())\n"))
	in := base64.StdEncoding.EncodeToString([]byte("hi\n"))
	r := e.do(req{method: "POST", path: "/judge0/submissions?base64_encoded=true", token: e.sub,
		body: map[string]any{"source_code": src, "language_id": 71, "stdin": in, "cpu_time_limit": 1.5, "memory_limit": 128000}})
	if r.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	token := decode[map[string]string](t, r)["token"]
	sub := decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + token + "?include=source", token: e.sub}))
	if sub.Source != "print(input())\n" || sub.Language != "python3" || sub.Limits.TimeMS != 1500 || sub.Limits.MemoryKB != 128000 {
		t.Errorf("stored as %+v", sub)
	}

	type result struct {
		Token  string  `json:"token"`
		Stdout *string `json:"stdout"`
		Time   *string `json:"time"`
		Status struct {
			ID int `json:"id"`
		} `json:"status"`
	}
	got := decode[result](t, e.do(req{method: "GET", path: "/judge0/submissions/" + token, token: e.sub}))
	if got.Token != token || got.Status.ID != 1 || got.Stdout != nil {
		t.Errorf("queued result = %+v", got)
	}
	e.finish(token, apiv1.VerdictAC, store.TestResult{Index: 1, Name: "adhoc", Verdict: "AC", TimeMS: 12, WallMS: 20, MemoryKB: 3000, Stdout: "hi\n"})
	got = decode[result](t, e.do(req{method: "GET", path: "/judge0/submissions/" + token + "?base64_encoded=true", token: e.sub}))
	if got.Status.ID != 3 || got.Stdout == nil || *got.Stdout != base64.StdEncoding.EncodeToString([]byte("hi\n"))+"\n" /* Ruby encode64, as Judge0 */ || got.Time == nil || *got.Time != "0.012" {
		t.Errorf("finished result = %+v", got)
	}

	before := e.count("submissions")
	for _, c := range []struct {
		name   string
		query  string
		body   any
		status int
	}{
		{"unknown language", "", map[string]any{"source_code": "x", "language_id": 9999}, 422},
		{"unsupported field", "", map[string]any{"source_code": "x", "language_id": 71, "compiler_options": "-O3"}, 422},
		{"bad base64", "?base64_encoded=true", map[string]any{"source_code": "%%%", "language_id": 71}, 422},
		{"negative limit", "", map[string]any{"source_code": "x", "language_id": 71, "cpu_time_limit": -1}, 422},
		{"unknown field", "", map[string]any{"source_code": "x", "language_id": 71, "foo": 1}, 400},
		{"bad wait", "?wait=maybe", map[string]any{"source_code": "x", "language_id": 71}, 400},
	} {
		if r := e.do(req{method: "POST", path: "/judge0/submissions" + c.query, token: e.sub, body: c.body}); r.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.body, c.status)
		} else {
			r.problem(t)
		}
	}
	if n := e.count("submissions"); n != before {
		t.Errorf("refused Judge0 posts stored %d rows", n-before)
	}
	if r := e.do(req{method: "GET", path: "/judge0/submissions/" + token, token: e.sub2}); r.status != 404 {
		t.Errorf("other submitter reads the result: %d", r.status)
	}
}
