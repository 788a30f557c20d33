package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// specChecker validates real answers against the response schemas of api/openapi.yaml.
type specChecker struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	cache    map[string]*jsonschema.Schema
}

const specURL = "file:///openapi.json"

func newSpecChecker(t *testing.T) *specChecker {
	t.Helper()
	data, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var y any
	if err := yaml.Unmarshal(data, &y); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(y)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(specURL, doc); err != nil {
		t.Fatal(err)
	}
	return &specChecker{doc: doc.(map[string]any), compiler: c, cache: map[string]*jsonschema.Schema{}}
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// check validates r, the answer to method on the documented path, against its schema: the
// status must be documented and, for JSON, the body must match.
func (c *specChecker) check(t *testing.T, method, path string, r resp) {
	t.Helper()
	op, _ := c.doc["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if op == nil {
		t.Errorf("%s %s is not in api/openapi.yaml", method, path)
		return
	}
	ptr := "/paths/" + pointerEscape(path) + "/" + strings.ToLower(method) + "/responses/" + fmt.Sprint(r.status)
	res, ok := op["responses"].(map[string]any)[fmt.Sprint(r.status)].(map[string]any)
	if !ok {
		t.Errorf("%s %s answered %d, which api/openapi.yaml does not document: %s", method, path, r.status, r.body)
		return
	}
	if ref, ok := res["$ref"].(string); ok {
		ptr = strings.TrimPrefix(ref, "#")
		name := ptr[strings.LastIndex(ptr, "/")+1:]
		res = c.doc["components"].(map[string]any)["responses"].(map[string]any)[name].(map[string]any)
	}
	ct := r.header.Get("Content-Type")
	mt, _, _ := strings.Cut(ct, ";")
	content, _ := res["content"].(map[string]any)
	if content == nil {
		return // no body documented
	}
	if _, ok := content[mt]; !ok {
		t.Errorf("%s %s %d: Content-Type %q is not documented", method, path, r.status, ct)
		return
	}
	if mt != "application/json" && mt != "application/problem+json" {
		return
	}
	sch, err := c.schema(ptr + "/content/" + pointerEscape(mt) + "/schema")
	if err != nil {
		t.Errorf("compile schema of %s %s %d: %v", method, path, r.status, err)
		return
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
	if err != nil {
		t.Errorf("%s %s %d: body is not JSON: %v: %s", method, path, r.status, err, r.body)
		return
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s %s %d: body does not match api/openapi.yaml: %v\n%s", method, path, r.status, err, r.body)
	}
}

func (c *specChecker) schema(ptr string) (*jsonschema.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.cache[ptr]; ok {
		return s, nil
	}
	s, err := c.compiler.Compile(specURL + "#" + ptr)
	if err == nil {
		c.cache[ptr] = s
	}
	return s, err
}

// judge0Do makes a request and validates its answer against the spec.
func (e *env) judge0Do(t *testing.T, spec *specChecker, specPath string, r req) resp {
	t.Helper()
	res := e.do(r)
	spec.check(t, r.method, specPath, res)
	return res
}

// finishWith completes id as a worker would, with one test's exit code, signal and output.
func (e *env) finishWith(id, verdict string, exit int, signal, stdout string) {
	e.t.Helper()
	ctx := context.Background()
	err := e.st.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO results (submission_id, ordinal, name, verdict, time_ms, wall_ms,
			memory_kb, exit_code, signal, stdout) VALUES ($1, 1, 'adhoc', $2, 7, 9, 2048, $3, $4, $5)`,
			id, verdict, exit, signal, stdout); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE submissions SET status = 'done', verdict = $2, time_ms = 7, memory_kb = 2048,
			started_at = now(), finished_at = now() WHERE id = $1`, id, verdict); err != nil {
			return err
		}
		_, err := store.AppendEvent(ctx, tx, id, store.Event{Type: store.EventDone})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func keysOf(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}

// TestJudge0Contract checks every Judge0 route against Judge0 CE 1.13.1's documented answers
// (shapes, defaults, status ids, errors) and against api/openapi.yaml, on the real store.
func TestJudge0Contract(t *testing.T) {
	spec := newSpecChecker(t)
	e := newEnv(t, envOpts{poll: 100 * time.Millisecond})
	j0 := func(token string) map[string]string { return map[string]string{"X-Auth-Token": token} }

	t.Run("info", func(t *testing.T) {
		about := decode[map[string]any](t, e.judge0Do(t, spec, "/judge0/about", req{method: "GET", path: "/judge0/about", header: j0(e.viewer)}))
		if about["version"] != "1.13.1" || !slices.Equal(keysOf(about), []string{"homepage", "maintainer", "source_code", "version"}) {
			t.Errorf("about = %v", about)
		}
		if r := e.judge0Do(t, spec, "/judge0/version", req{method: "GET", path: "/judge0/version", token: e.viewer}); string(r.body) != "1.13.1" {
			t.Errorf("version = %q", r.body)
		}
		cfg := decode[map[string]any](t, e.judge0Do(t, spec, "/judge0/config_info", req{method: "GET", path: "/judge0/config_info", token: e.viewer}))
		if len(cfg) != 39 || cfg["cpu_time_limit"] != 2.0 || cfg["max_cpu_time_limit"] != 15.0 || cfg["wall_time_limit"] != 5.0 ||
			cfg["enable_network"] != false || cfg["enable_callbacks"] != false || cfg["max_submission_batch_size"] != 20.0 {
			t.Errorf("config_info = %v", cfg)
		}
		sys := decode[map[string]string](t, e.judge0Do(t, spec, "/judge0/system_info", req{method: "GET", path: "/judge0/system_info", token: e.viewer}))
		if sys["Architecture"] == "" || sys["CPU(s)"] == "" {
			t.Errorf("system_info = %v", sys)
		}
		statuses := decode[[]struct {
			ID          int    `json:"id"`
			Description string `json:"description"`
		}](t, e.judge0Do(t, spec, "/judge0/statuses", req{method: "GET", path: "/judge0/statuses", token: e.viewer}))
		want := []string{"In Queue", "Processing", "Accepted", "Wrong Answer", "Time Limit Exceeded", "Compilation Error",
			"Runtime Error (SIGSEGV)", "Runtime Error (SIGXFSZ)", "Runtime Error (SIGFPE)", "Runtime Error (SIGABRT)",
			"Runtime Error (NZEC)", "Runtime Error (Other)", "Internal Error", "Exec Format Error"}
		for i, s := range statuses {
			if s.ID != i+1 || s.Description != want[i] {
				t.Errorf("status %d = %+v, want %d %q", i, s, i+1, want[i])
			}
		}
		if len(statuses) != 14 {
			t.Errorf("%d statuses", len(statuses))
		}
		w := decode[[]map[string]any](t, e.judge0Do(t, spec, "/judge0/workers", req{method: "GET", path: "/judge0/workers", token: e.viewer}))
		if len(w) != 1 || w[0]["available"] != 0.0 {
			t.Errorf("workers without any = %v", w)
		}
		if _, err := e.st.DB().Exec(`INSERT INTO workers (name, slots) VALUES ('w1', 3), ('w2', 2)`); err != nil {
			t.Fatal(err)
		}
		w = decode[[]map[string]any](t, e.judge0Do(t, spec, "/judge0/workers", req{method: "GET", path: "/judge0/workers", token: e.viewer}))
		if w[0]["available"] != 5.0 || w[0]["idle"] != 5.0 || w[0]["working"] != 0.0 || w[0]["queue"] != "1.13.1" {
			t.Errorf("workers with 5 slots = %v", w)
		}
		e.judge0Do(t, spec, "/judge0/authenticate", req{method: "POST", path: "/judge0/authenticate", header: j0(e.viewer)})
		if r := e.judge0Do(t, spec, "/judge0/authenticate", req{method: "POST", path: "/judge0/authenticate", header: j0("jdg_nope")}); r.status != 401 {
			t.Errorf("authenticate with a bad token: %d", r.status)
		}
		if r := e.judge0Do(t, spec, "/judge0/authorize", req{method: "POST", path: "/judge0/authorize", header: j0(e.viewer)}); r.status != 403 {
			t.Errorf("authorize as a viewer: %d", r.status)
		}
		r := e.judge0Do(t, spec, "/judge0/authorize", req{method: "POST", path: "/judge0/authorize",
			header: map[string]string{"X-Auth-Token": e.viewer, "X-Auth-User": e.admin}})
		if r.status != 200 {
			t.Errorf("authorize with X-Auth-User of an admin: %d %s", r.status, r.body)
		}
	})

	t.Run("languages", func(t *testing.T) {
		type lng struct {
			ID         int     `json:"id"`
			Name       string  `json:"name"`
			IsArchived *bool   `json:"is_archived"`
			SourceFile string  `json:"source_file"`
			CompileCmd *string `json:"compile_cmd"`
			RunCmd     string  `json:"run_cmd"`
		}
		list := decode[[]lng](t, e.judge0Do(t, spec, "/judge0/languages", req{method: "GET", path: "/judge0/languages", token: e.viewer}))
		names := map[int]string{}
		for _, l := range list {
			names[l.ID] = l.Name
		}
		for id, want := range map[int]string{71: "Python (3.13.5)", 50: "C (GCC 14.2.0)", 48: "C (GCC 14.2.0)", 54: "C++ (GCC 14.2.0)",
			52: "C++ (GCC 14.2.0)", 76: "C++ (GCC 14.2.0)", 62: "Java (OpenJDK 21.0.13.1)", 60: "Go (1.25.5)", 46: "Bash (5.2.37)"} {
			if names[id] != want {
				t.Errorf("language %d = %q, want %q", id, names[id], want)
			}
		}
		if _, ok := names[70]; ok {
			t.Error("Python 2 (70) is listed; it must not run on Python 3")
		}
		all := decode[[]lng](t, e.judge0Do(t, spec, "/judge0/languages/all", req{method: "GET", path: "/judge0/languages/all", token: e.viewer}))
		if len(all) != len(list) || all[0].IsArchived == nil || *all[0].IsArchived {
			t.Errorf("languages/all = %+v", all)
		}
		py := decode[lng](t, e.judge0Do(t, spec, "/judge0/languages/{id}", req{method: "GET", path: "/judge0/languages/71", token: e.viewer}))
		if py.SourceFile != "main.py" || py.CompileCmd != nil || py.RunCmd != "python3 main.py" {
			t.Errorf("language 71 = %+v", py)
		}
		java := decode[lng](t, e.judge0Do(t, spec, "/judge0/languages/{id}", req{method: "GET", path: "/judge0/languages/62", token: e.viewer}))
		if java.SourceFile != "Main.java" || java.CompileCmd == nil || !strings.Contains(*java.CompileCmd, "javac") {
			t.Errorf("language 62 = %+v", java)
		}
		if r := e.judge0Do(t, spec, "/judge0/languages/{id}", req{method: "GET", path: "/judge0/languages/70", token: e.viewer}); r.status != 404 {
			t.Errorf("language 70: %d", r.status)
		} else {
			r.problem(t)
		}
	})

	var doneID string
	t.Run("submit and get", func(t *testing.T) {
		before := e.count("submissions")
		r := e.judge0Do(t, spec, "/judge0/submissions", req{method: "POST", path: "/judge0/submissions", header: j0(e.sub),
			body: map[string]any{"source_code": "print(input())", "language_id": "71", "stdin": "hi", "number_of_runs": "1",
				"enable_network": false, "redirect_stderr_to_stdout": "false", "stack_limit": 64000, "cpu_extra_time": 1}})
		if r.status != 201 {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
		created := decode[map[string]any](t, r)
		id, _ := created["token"].(string)
		if len(created) != 1 || id == "" {
			t.Fatalf("201 body %s, want only a token", r.body)
		}
		if n := e.count("submissions"); n != before+1 {
			t.Errorf("%d rows stored", n-before)
		}
		// Judge0's defaults for what the client left out, applied to the run.
		sub := decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + id, token: e.sub}))
		if sub.Limits.TimeMS != 2000 || sub.Limits.WallTimeMS != 5000 || sub.Limits.Processes != 60 || sub.Limits.FileSizeKB != 1024 {
			t.Errorf("stored limits %+v, want Judge0's defaults", sub.Limits)
		}
		got := decode[map[string]any](t, e.judge0Do(t, spec, "/judge0/submissions/{token}", req{method: "GET", path: "/judge0/submissions/" + id, token: e.sub}))
		if !slices.Equal(keysOf(got), []string{"compile_output", "memory", "message", "status", "stderr", "stdout", "time", "token"}) {
			t.Errorf("default fields %v", keysOf(got))
		}
		if st := got["status"].(map[string]any); st["id"] != 1.0 || st["description"] != "In Queue" || got["time"] != nil {
			t.Errorf("queued = %v", got)
		}
		e.finishWith(id, apiv1.VerdictRE, 0, "SIGSEGV", "hi\n")
		all := decode[map[string]any](t, e.judge0Do(t, spec, "/judge0/submissions/{token}",
			req{method: "GET", path: "/judge0/submissions/" + id + "?fields=*", token: e.sub}))
		if len(all) != 33 {
			t.Errorf("fields=* gave %d fields: %v", len(all), keysOf(all))
		}
		checks := map[string]any{"exit_signal": 11.0, "exit_code": 0.0, "stdout": "hi\n", "stdin": "hi", "source_code": "print(input())",
			"time": "0.007", "wall_time": "0.009", "memory": 2048.0, "cpu_time_limit": "2.0", "cpu_extra_time": "1.0",
			"wall_time_limit": "5.0", "stack_limit": 64000.0, "number_of_runs": 1.0, "max_processes_and_or_threads": 60.0,
			"max_file_size": 1024.0, "enable_network": false, "redirect_stderr_to_stdout": false, "compiler_options": nil}
		for k, want := range checks {
			if all[k] != want {
				t.Errorf("%s = %#v, want %#v", k, all[k], want)
			}
		}
		if st := all["status"].(map[string]any); st["id"] != 7.0 {
			t.Errorf("SIGSEGV status %v, want 7", st)
		}
		if c, _ := all["created_at"].(string); len(c) != len("2006-01-02T15:04:05.000Z") || !strings.HasSuffix(c, "Z") {
			t.Errorf("created_at %q", c)
		}
		if l := all["language"].(map[string]any); l["id"] != 71.0 || l["name"] != "Python (3.13.5)" {
			t.Errorf("language %v", l)
		}
		ids := decode[map[string]any](t, e.judge0Do(t, spec, "/judge0/submissions/{token}",
			req{method: "GET", path: "/judge0/submissions/" + id + "?fields=language_id,status_id", token: e.sub}))
		if ids["language_id"] != 71.0 || ids["status_id"] != 7.0 || len(ids) != 2 {
			t.Errorf("fields=language_id,status_id: %v", ids)
		}
		b64 := decode[map[string]any](t, e.judge0Do(t, spec, "/judge0/submissions/{token}",
			req{method: "GET", path: "/judge0/submissions/" + id + "?base64_encoded=true&fields=stdout,status", token: e.sub}))
		if b64["stdout"] != "aGkK\n" || len(b64) != 2 {
			t.Errorf("base64 stdout %#v (%v), want Ruby's encode64 aGkK\\n", b64["stdout"], keysOf(b64))
		}
		bad := e.judge0Do(t, spec, "/judge0/submissions/{token}", req{method: "GET", path: "/judge0/submissions/" + id + "?fields=stdout,foo,bar", token: e.sub})
		if bad.status != 400 || decode[map[string]any](t, bad)["error"] != "invalid fields: [foo, bar]" {
			t.Errorf("unknown fields: %d %s", bad.status, bad.body)
		}
		bad.problem(t)
		if r := e.judge0Do(t, spec, "/judge0/submissions/{token}", req{method: "GET", path: "/judge0/submissions/" + id, token: e.sub2}); r.status != 404 {
			t.Errorf("another submitter reads it: %d", r.status)
		}
		doneID = id
	})

	t.Run("lenient base64 and binary stdin", func(t *testing.T) {
		// Ruby's Base64.decode64 skips what is not base64: newlines, spaces, stray characters.
		src := "cHJp\nbnQo MSk=!!"
		stdin := base64.StdEncoding.EncodeToString([]byte{0, 0xff, '\n'})
		r := e.judge0Do(t, spec, "/judge0/submissions", req{method: "POST", path: "/judge0/submissions?base64_encoded=true", header: j0(e.sub),
			body: map[string]any{"source_code": src, "language_id": 71, "stdin": stdin}})
		if r.status != 201 {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
		id := decode[map[string]string](t, r)["token"]
		got := decode[map[string]any](t, e.judge0Do(t, spec, "/judge0/submissions/{token}",
			req{method: "GET", path: "/judge0/submissions/" + id + "?base64_encoded=true&fields=source_code,stdin", token: e.sub}))
		if got["source_code"] != "cHJpbnQoMSk=\n" || got["stdin"] != stdin+"\n" {
			t.Errorf("stored %v", got)
		}
		plain := e.judge0Do(t, spec, "/judge0/submissions/{token}", req{method: "GET", path: "/judge0/submissions/" + id + "?fields=stdin", token: e.sub})
		if plain.status != 400 || !strings.Contains(string(plain.body), "use base64_encoded=true") {
			t.Errorf("binary stdin without base64: %d %s", plain.status, plain.body)
		}
		// The worker gets the bytes.
		c, ok, err := e.st.ClaimSubmission(context.Background(), id, 1, "w1", time.Minute)
		if err != nil || !ok || c.Stdin == nil || *c.Stdin != "\x00\xff\n" {
			t.Errorf("claimed stdin %q ok=%v err=%v", derefOr(c.Stdin), ok, err)
		}
	})

	t.Run("command line arguments and stderr to stdout", func(t *testing.T) {
		args := `one 'two words' "say \"hi\"" $HOME`
		r := e.judge0Do(t, spec, "/judge0/submissions", req{method: "POST", path: "/judge0/submissions", header: j0(e.sub),
			body: map[string]any{"source_code": "import sys; print(sys.argv[1:])", "language_id": 71, "command_line_arguments": args,
				"redirect_stderr_to_stdout": true}})
		if r.status != 201 {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
		id := decode[map[string]string](t, r)["token"]
		got := decode[map[string]any](t, e.judge0Do(t, spec, "/judge0/submissions/{token}",
			req{method: "GET", path: "/judge0/submissions/" + id + "?fields=command_line_arguments,redirect_stderr_to_stdout", token: e.sub}))
		if got["command_line_arguments"] != args || got["redirect_stderr_to_stdout"] != true {
			t.Errorf("echoed %v, want %q", got, args)
		}
		c, ok, err := e.st.ClaimSubmission(context.Background(), id, 1, "w1", time.Minute)
		if want := []string{"one", "two words", `say "hi"`, "$HOME"}; err != nil || !ok || !slices.Equal(c.Args, want) || !c.StderrToStdout {
			t.Errorf("the worker gets args %q and stderr_to_stdout %v (ok=%v err=%v), want %q and true", c.Args, c.StderrToStdout, ok, err, want)
		}
	})

	t.Run("refused", func(t *testing.T) {
		before := e.count("submissions")
		for _, c := range []struct {
			body  map[string]any
			field string
			msg   string
		}{
			{map[string]any{"language_id": 71}, "source_code", "can't be blank"},
			{map[string]any{"source_code": "x"}, "language_id", "can't be blank"},
			{map[string]any{"source_code": "x", "language_id": 70}, "language_id", "language with id 70 doesn't exist"},
			{map[string]any{"source_code": "x", "language_id": "seventy"}, "language_id", "is not a number"},
			{map[string]any{"source_code": "x", "language_id": 71, "memory_limit": "lots"}, "memory_limit", "is not a number"},
			{map[string]any{"source_code": "x", "language_id": 71, "enable_network": "yes"}, "enable_network", "never have network access"},
			{map[string]any{"source_code": "x", "language_id": 71, "cpu_time_limit": 16}, "cpu_time_limit", "must be less than or equal to 15.0"},
			{map[string]any{"source_code": "x", "language_id": 71, "cpu_time_limit": "0"}, "cpu_time_limit", "must be greater than 0"},
			{map[string]any{"source_code": "x", "language_id": 71, "memory_limit": 1 << 30}, "memory_limit", "must be less than or equal to 1048576"},
			{map[string]any{"source_code": "x", "language_id": 71, "wall_time_limit": 61}, "wall_time_limit", "must be less than or equal to 60.0"},
			{map[string]any{"source_code": "x", "language_id": 71, "stack_limit": 128001}, "stack_limit", "must be less than or equal to 128000"},
			{map[string]any{"source_code": "x", "language_id": 71, "max_processes_and_or_threads": 257}, "max_processes_and_or_threads", "must be less than or equal to 256"},
			{map[string]any{"source_code": "x", "language_id": 71, "number_of_runs": 2}, "number_of_runs", "must be less than or equal to 1"},
			{map[string]any{"source_code": "x", "language_id": 71, "cpu_extra_time": 3}, "cpu_extra_time", "must be less than or equal to 2.0"},
			{map[string]any{"source_code": "x", "language_id": 71, "enable_per_process_and_thread_time_limit": true}, "enable_per_process_and_thread_time_limit", "this option cannot be enabled"},
			{map[string]any{"source_code": "x", "language_id": 71, "enable_per_process_and_thread_memory_limit": "true"}, "enable_per_process_and_thread_memory_limit", "this option cannot be enabled"},
			{map[string]any{"source_code": "x", "language_id": 71, "enable_network": true}, "enable_network", "never have network access"},
			{map[string]any{"source_code": "x", "language_id": 71, "compiler_options": "-O3"}, "compiler_options", "not allowed"},
			{map[string]any{"source_code": "x", "language_id": 71, "command_line_arguments": "a 'b"}, "command_line_arguments", "unterminated ' quote"},
			{map[string]any{"source_code": "x", "language_id": 71, "command_line_arguments": strings.Repeat("a", 129)}, "command_line_arguments", "is too long (maximum is 128 characters)"},
			{map[string]any{"source_code": "x", "language_id": 71, "additional_files": "UEsDBA=="}, "additional_files", "is not a zip archive"},
			{map[string]any{"source_code": "x", "language_id": 71, "callback_url": "http://127.0.0.1/x"}, "callback_url", "callbacks are off"},
		} {
			r := e.judge0Do(t, spec, "/judge0/submissions", req{method: "POST", path: "/judge0/submissions", header: j0(e.sub), body: c.body})
			if r.status != 422 {
				t.Errorf("%v: %d %s, want 422", c.body, r.status, r.body)
				continue
			}
			r.problem(t)
			var attrs map[string]any
			_ = json.Unmarshal(r.body, &attrs)
			msgs, _ := attrs[c.field].([]any)
			if len(msgs) == 0 || !strings.Contains(fmt.Sprint(msgs[0]), c.msg) {
				t.Errorf("%v: %s, want Judge0's %q: [%q]", c.body, r.body, c.field, c.msg)
			}
		}
		for _, c := range []struct{ query, body string }{
			{"", `{"source_code": "x", "language_id": 71, "foo": 1}`},
			{"?wait=maybe", `{"source_code": "x", "language_id": 71}`},
			{"?fields=nope", `{"source_code": "x", "language_id": 71}`},
		} {
			r := e.judge0Do(t, spec, "/judge0/submissions", req{method: "POST", path: "/judge0/submissions" + c.query, header: j0(e.sub), body: c.body})
			if r.status != 400 || !strings.Contains(string(r.body), `"error"`) {
				t.Errorf("%s %s: %d %s, want a 400 with Judge0's error", c.query, c.body, r.status, r.body)
			}
		}
		if n := e.count("submissions"); n != before {
			t.Errorf("refused posts stored %d rows", n-before)
		}
	})

	t.Run("wait", func(t *testing.T) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			// The worker's part: finish the submission once the POST stored it.
			for range 200 {
				var id string
				err := e.st.DB().QueryRow(`SELECT id FROM submissions WHERE source = 'print(42)' AND status = 'queued'`).Scan(&id)
				if err == nil {
					e.finishWith(id, apiv1.VerdictAC, 0, "", "42\n")
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
		r := e.judge0Do(t, spec, "/judge0/submissions", req{method: "POST", path: "/judge0/submissions?wait=true&fields=stdout,status,exit_signal", header: j0(e.sub),
			body: map[string]any{"source_code": "print(42)", "language_id": 71}})
		<-done
		got := decode[map[string]any](t, r)
		if r.status != 201 || got["stdout"] != "42\n" || got["status"].(map[string]any)["id"] != 3.0 || got["exit_signal"] != nil || len(got) != 3 {
			t.Errorf("wait=true: %d %s", r.status, r.body)
		}
	})

	t.Run("batch", func(t *testing.T) {
		r := e.judge0Do(t, spec, "/judge0/submissions/batch", req{method: "POST", path: "/judge0/submissions/batch", header: j0(e.sub),
			body: map[string]any{"submissions": []any{
				map[string]any{"source_code": "print(1)", "language_id": 71},
				map[string]any{"source_code": "x", "language_id": 9999},
				map[string]any{"source_code": "int main(){}", "language_id": 52},
			}}})
		if r.status != 201 {
			t.Fatalf("batch: %d %s", r.status, r.body)
		}
		items := decode[[]map[string]any](t, r)
		if len(items) != 3 || items[0]["token"] == nil || items[2]["token"] == nil || items[1]["language_id"] == nil {
			t.Fatalf("batch answer %s", r.body)
		}
		t0, t2 := items[0]["token"].(string), items[2]["token"].(string)
		sub := decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + t2, token: e.sub}))
		if sub.Language != "cpp" {
			t.Errorf("Judge0 id 52 runs on %q, want cpp", sub.Language)
		}
		if r := e.judge0Do(t, spec, "/judge0/submissions/batch", req{method: "POST", path: "/judge0/submissions/batch", header: j0(e.sub),
			body: map[string]any{"submissions": []any{map[string]any{"source_code": "x", "language_id": 9999}}}}); r.status != 422 {
			t.Errorf("all invalid: %d %s", r.status, r.body)
		}
		many := make([]any, 21)
		for i := range many {
			many[i] = map[string]any{"source_code": "print(1)", "language_id": 71}
		}
		for _, body := range []any{map[string]any{"submissions": many}, map[string]any{"submissions": []any{}}} {
			if r := e.judge0Do(t, spec, "/judge0/submissions/batch", req{method: "POST", path: "/judge0/submissions/batch", header: j0(e.sub), body: body}); r.status != 400 {
				t.Errorf("batch of %d: %d %s", len(body.(map[string]any)["submissions"].([]any)), r.status, r.body)
			}
		}
		unknown := "00000000-0000-4000-8000-000000000000"
		got := e.judge0Do(t, spec, "/judge0/submissions/batch", req{method: "GET", token: e.sub,
			path: "/judge0/submissions/batch?base64_encoded=true&fields=token,status&tokens=" + t0 + "," + unknown + "," + t2})
		var batch struct {
			Submissions []map[string]any `json:"submissions"`
		}
		if err := json.Unmarshal(got.body, &batch); err != nil || len(batch.Submissions) != 3 || batch.Submissions[0]["token"] != t0 ||
			batch.Submissions[1] != nil || batch.Submissions[2]["token"] != t2 || len(batch.Submissions[0]) != 2 {
			t.Errorf("batch get: %d %s", got.status, got.body)
		}
		// Another submitter's tokens are unknown to it.
		other := decode[struct {
			Submissions []any `json:"submissions"`
		}](t, e.judge0Do(t, spec, "/judge0/submissions/batch", req{method: "GET", token: e.sub2, path: "/judge0/submissions/batch?tokens=" + t0}))
		if len(other.Submissions) != 1 || other.Submissions[0] != nil {
			t.Errorf("another submitter's batch get: %v", other)
		}
		for _, q := range []string{"", "?tokens=" + strings.Repeat(t0+",", 20) + t0} {
			if r := e.judge0Do(t, spec, "/judge0/submissions/batch", req{method: "GET", path: "/judge0/submissions/batch" + q, token: e.sub}); r.status != 400 {
				t.Errorf("batch get %q: %d", q, r.status)
			}
		}
	})

	t.Run("list", func(t *testing.T) {
		type page struct {
			Submissions []map[string]any `json:"submissions"`
			Meta        map[string]any   `json:"meta"`
		}
		own := decode[page](t, e.judge0Do(t, spec, "/judge0/submissions", req{method: "GET", path: "/judge0/submissions?per_page=2&page=2", token: e.sub}))
		var total float64
		if err := e.st.DB().QueryRow(`SELECT count(*) FROM submissions WHERE owner = 'alice'`).Scan(&total); err != nil {
			t.Fatal(err)
		}
		if own.Meta["current_page"] != 2.0 || own.Meta["prev_page"] != 1.0 || own.Meta["total_count"] != total ||
			len(own.Submissions) != 2 || own.Meta["next_page"] != 3.0 {
			t.Errorf("page 2 of alice's %v submissions: %+v", total, own.Meta)
		}
		all := decode[page](t, e.judge0Do(t, spec, "/judge0/submissions", req{method: "GET", path: "/judge0/submissions",
			header: map[string]string{"X-Auth-Token": e.sub, "X-Auth-User": e.admin}}))
		if all.Meta["total_count"].(float64) != float64(e.count("submissions")) || all.Meta["prev_page"] != nil {
			t.Errorf("X-Auth-User admin sees %v of %d", all.Meta["total_count"], e.count("submissions"))
		}
		for q, want := range map[string]string{"?page=0": "invalid page: 0", "?page=abc": "invalid page: 0", "?per_page=-2": "invalid per_page: -2"} {
			r := e.judge0Do(t, spec, "/judge0/submissions", req{method: "GET", path: "/judge0/submissions" + q, token: e.sub})
			if r.status != 400 || decode[map[string]any](t, r)["error"] != want {
				t.Errorf("%s: %d %s, want 400 %q", q, r.status, r.body, want)
			}
		}
		if r := e.judge0Do(t, spec, "/judge0/submissions", req{method: "GET", path: "/judge0/submissions",
			header: map[string]string{"X-Auth-Token": e.sub, "X-Auth-User": e.viewer}}); r.status != 403 {
			t.Errorf("X-Auth-User of a viewer: %d", r.status)
		}
	})

	t.Run("delete", func(t *testing.T) {
		queued := decode[map[string]string](t, e.do(req{method: "POST", path: "/judge0/submissions", header: j0(e.sub),
			body: map[string]any{"source_code": "print(1)", "language_id": 71}}))["token"]
		if r := e.judge0Do(t, spec, "/judge0/submissions/{token}", req{method: "DELETE", path: "/judge0/submissions/" + doneID, token: e.sub}); r.status != 403 {
			t.Errorf("delete without authorization: %d %s", r.status, r.body)
		}
		admin := map[string]string{"X-Auth-Token": e.sub, "X-Auth-User": e.admin}
		r := e.judge0Do(t, spec, "/judge0/submissions/{token}", req{method: "DELETE", path: "/judge0/submissions/" + queued, header: admin})
		if r.status != 400 || decode[map[string]any](t, r)["error"] != "submission cannot be deleted because its status is 1 (In Queue)" {
			t.Errorf("delete queued: %d %s", r.status, r.body)
		}
		r = e.judge0Do(t, spec, "/judge0/submissions/{token}", req{method: "DELETE", path: "/judge0/submissions/" + doneID + "?fields=token,stdout", header: admin})
		if got := decode[map[string]any](t, r); r.status != 200 || got["stdout"] != "aGkK\n" || got["token"] != doneID {
			t.Errorf("delete done: %d %s", r.status, r.body)
		}
		if r := e.do(req{method: "GET", path: "/judge0/submissions/" + doneID, token: e.admin}); r.status != 404 {
			t.Errorf("deleted submission still answers %d", r.status)
		}
		if r := e.do(req{method: "PUT", path: "/judge0/submissions/batch", token: e.admin}); r.status != 405 || r.header.Get("Allow") != "POST, GET" {
			t.Errorf("PUT batch: %d Allow %q", r.status, r.header.Get("Allow"))
		}
	})
}

func derefOr(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestJudge0RootListener: ServeJudge0Root answers the Judge0 routes at the root, and nothing else.
func TestJudge0RootListener(t *testing.T) {
	e := newEnv(t, envOpts{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.api.ServeJudge0Root(ctx, ln, time.Second) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeJudge0Root: %v", err)
		}
	}()
	get := func(path string) (int, string) {
		hr, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+path, nil)
		hr.Header.Set("X-Auth-Token", e.viewer)
		res, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/about"); code != 200 || !strings.Contains(body, `"version":"1.13.1"`) {
		t.Errorf("/about at the root: %d %s", code, body)
	}
	if code, body := get("/languages/71"); code != 200 || !strings.Contains(body, `"id":71`) {
		t.Errorf("/languages/71 at the root: %d %s", code, body)
	}
	if code, _ := get("/v1/languages"); code != 404 {
		t.Errorf("/v1/languages on the Judge0 root listener: %d, want 404", code)
	}
}
