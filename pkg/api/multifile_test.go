package api_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/srcfiles"
)

func text(path, content string) apiv1.SourceFile {
	return apiv1.SourceFile{Path: path, Content: &content}
}

func binary(path, b64 string) apiv1.SourceFile {
	return apiv1.SourceFile{Path: path, ContentBase64: &b64}
}

func multiFile() apiv1.SubmissionRequest {
	in, want := "1 2\n", "3\n"
	return apiv1.SubmissionRequest{Language: "python3", Entry: "solve.py", Stdin: &in, ExpectedOutput: &want, Files: []apiv1.SourceFile{
		text("solve.py", "from lib.add import add\nprint(add(*map(int, input().split())))\n"),
		text("lib/add.py", "def add(a, b):\n    return a + b\n"),
		binary("lib/blob.bin", "AAEC/w=="), // 00 01 02 ff
	}}
}

// TestMultiFileSubmissionRoundTrip stores a submission of several files and reads it back as
// the owner (files, entry and their hash) and as the worker that claims it (the same bytes).
func TestMultiFileSubmissionRoundTrip(t *testing.T) {
	e := newEnv(t, envOpts{})
	r := e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: multiFile()})
	if r.status != http.StatusAccepted {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	id := decode[apiv1.SubmissionAccepted](t, r).ID

	plain := decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + id, token: e.sub}))
	if plain.Files != nil || plain.Entry != "" || plain.Source != "" {
		t.Errorf("GET without include=source shows the program: %+v", plain)
	}
	sub := decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + id + "?include=source", token: e.sub}))
	wantFiles := []srcfiles.File{
		{Path: "solve.py", Data: []byte(*multiFile().Files[0].Content)},
		{Path: "lib/add.py", Data: []byte(*multiFile().Files[1].Content)},
		{Path: "lib/blob.bin", Data: []byte{0, 1, 2, 0xff}},
	}
	if sub.Entry != "solve.py" || sub.Source != "" || len(sub.Files) != 3 || sub.SourceSHA256 != srcfiles.Hash(wantFiles, "solve.py") {
		t.Fatalf("GET ?include=source = entry %q source %q files %+v sha %s", sub.Entry, sub.Source, sub.Files, sub.SourceSHA256)
	}
	if f := sub.Files[2]; f.Path != "lib/blob.bin" || f.Content != nil || f.ContentBase64 == nil || *f.ContentBase64 != "AAEC/w==" {
		t.Errorf("binary file shown as %+v, want content_base64 AAEC/w==", f)
	}
	if f := sub.Files[1]; f.Content == nil || *f.Content != *multiFile().Files[1].Content {
		t.Errorf("text file shown as %+v", f)
	}

	c, ok, err := e.st.ClaimSubmission(context.Background(), id, 1, "w1", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if c.Entry != "solve.py" || len(c.Files) != 3 || !bytes.Equal(c.Files[2].Data, []byte{0, 1, 2, 0xff}) || c.Files[0].Path != "solve.py" {
		t.Fatalf("claimed files %+v entry %q", c.Files, c.Entry)
	}

	// A single-source submission is unchanged: no files, its text in source.
	one := e.submit(e.sub)
	c, ok, err = e.st.ClaimSubmission(context.Background(), one, 1, "w1", time.Minute)
	if err != nil || !ok || c.Files != nil || c.Entry != "" || c.Source != adhoc().Source {
		t.Fatalf("claimed single-source submission: files %v entry %q source %q (%v %v)", c.Files, c.Entry, c.Source, ok, err)
	}
}

// TestMultiFileIdempotency: replaying a key with the same files is a replay, with other files
// (only one byte differs) a conflict.
func TestMultiFileIdempotency(t *testing.T) {
	e := newEnv(t, envOpts{})
	key := map[string]string{"Idempotency-Key": "mf-1"}
	first := e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: multiFile(), header: key})
	again := e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: multiFile(), header: key})
	if first.status != 202 || again.status != 202 || again.header.Get("Idempotent-Replayed") != "true" ||
		decode[apiv1.SubmissionAccepted](t, first).ID != decode[apiv1.SubmissionAccepted](t, again).ID {
		t.Fatalf("replay: %d %s / %d %s", first.status, first.body, again.status, again.body)
	}
	other := multiFile()
	other.Files[1] = text("lib/add.py", "def add(a, b):\n    return a - b\n")
	if r := e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: other, header: key}); r.status != http.StatusConflict {
		t.Fatalf("same key, other files: %d %s, want 409", r.status, r.body)
	}
}

// TestMultiFileRejectsBadInput: every bad file is a problem+json naming the file (its index in
// the field, its path in the message), caps are 413, and nothing is stored.
func TestMultiFileRejectsBadInput(t *testing.T) {
	e := newEnv(t, envOpts{limits: api.Limits{Files: srcfiles.Caps{MaxFiles: 3, MaxBytes: 100, MaxPathBytes: 40}}})
	with := func(f func(*apiv1.SubmissionRequest)) apiv1.SubmissionRequest {
		r := multiFile()
		f(&r)
		return r
	}
	both := "x"
	tests := []struct {
		name   string
		body   any
		status int
		field  string
		msg    string
	}{
		{"dotdot", with(func(r *apiv1.SubmissionRequest) { r.Files[1] = text("../evil.py", "") }), 422, "files[1].path", `"../evil.py"`},
		{"absolute", with(func(r *apiv1.SubmissionRequest) { r.Files[1] = text("/etc/x.py", "") }), 422, "files[1].path", "absolute"},
		{"NUL in path", with(func(r *apiv1.SubmissionRequest) { r.Files[1] = text("a\x00.py", "") }), 422, "files[1].path", "NUL"},
		{"backslash", with(func(r *apiv1.SubmissionRequest) { r.Files[1] = text(`lib\add.py`, "") }), 422, "files[1].path", "backslash"},
		{"duplicate", with(func(r *apiv1.SubmissionRequest) { r.Files[2] = text("lib/add.py", "") }), 422, "files[1].path", "twice"},
		{"path too long", with(func(r *apiv1.SubmissionRequest) { r.Files[1] = text(strings.Repeat("d/", 25)+"x.py", "") }), 422, "files[1].path", "limit of 40"},
		{"missing entry", with(func(r *apiv1.SubmissionRequest) { r.Entry = "main.py" }), 422, "entry", `"main.py" is not one of`},
		{"entry not a source", with(func(r *apiv1.SubmissionRequest) { r.Entry = "lib/blob.bin" }), 422, "entry", "not a python3 source"},
		{"no source of the language", with(func(r *apiv1.SubmissionRequest) { r.Language = "c"; r.Entry = "" }), 422, "files", "no file is a c source"},
		{"source and files", with(func(r *apiv1.SubmissionRequest) { r.Source = "print(1)" }), 422, "source", "not both"},
		{"entry without files", apiv1.SubmissionRequest{Language: "python3", Entry: "a.py"}, 422, "files", "without files"},
		{"content and base64", with(func(r *apiv1.SubmissionRequest) { r.Files[0].ContentBase64 = &both }), 422, "files[0]", "not both"},
		{"no content", with(func(r *apiv1.SubmissionRequest) { r.Files[0].Content = nil }), 422, "files[0]", "give content"},
		{"bad base64", with(func(r *apiv1.SubmissionRequest) { r.Files[2] = binary("lib/blob.bin", "!!!") }), 422, "files[2].content_base64", `"lib/blob.bin"`},
		{"too many files", with(func(r *apiv1.SubmissionRequest) { r.Files = append(r.Files, text("x.py", "")) }), 413, "files", "4 files, more than the limit of 3"},
		{"too many bytes", with(func(r *apiv1.SubmissionRequest) { r.Files[1] = text("lib/add.py", strings.Repeat("#", 101)) }), 413, "files", "more than the limit of 100"},
		{"unknown field in a file", `{"language":"python3","files":[{"path":"a.py","content":"","mode":"0755"}]}`, 400, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(req{method: "POST", path: "/v1/submissions", token: e.sub, body: tt.body})
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			pd := r.problem(t)
			if tt.field == "" {
				return
			}
			for _, fe := range pd.Errors {
				if fe.Field == tt.field && strings.Contains(fe.Message, tt.msg) {
					return
				}
			}
			t.Errorf("errors = %+v, want field %s with %q", pd.Errors, tt.field, tt.msg)
		})
	}
	for _, table := range []string{"submissions", "dispatch", "submission_events"} {
		if n := e.count(table); n != 0 {
			t.Errorf("%s has %d rows after bad input only", table, n)
		}
	}
}
