package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/srcfiles"
)

func zipB64(t *testing.T, entries ...[2]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// TestJudge0AdditionalFiles: Judge0's additional_files (a base64 zip) is unpacked beside the
// source, which becomes the entry under the language's source file name; hostile archives are
// refused by name and store nothing.
func TestJudge0AdditionalFiles(t *testing.T) {
	e := newEnv(t, envOpts{poll: time.Minute, limits: api.Limits{Files: srcfiles.Caps{MaxFiles: 4, MaxBytes: 64 << 10, MaxPathBytes: 64}}})
	src := "#include \"add.h\"\n#include <stdio.h>\nint main(void){printf(\"%d\\n\", add(1, 2));}\n"
	body := map[string]any{"source_code": src, "language_id": 50, // C (GCC)
		"additional_files": zipB64(t, [2]string{"add.h", "int add(int, int);\n"}, [2]string{"add.c", "int add(int a, int b) { return a + b; }\n"})}
	r := e.do(req{method: "POST", path: "/judge0/submissions", token: e.sub, body: body})
	if r.status != http.StatusCreated {
		t.Fatalf("POST with additional_files: %d %s", r.status, r.body)
	}
	token := decode[map[string]string](t, r)["token"]
	sub := decode[apiv1.Submission](t, e.do(req{method: "GET", path: "/v1/submissions/" + token + "?include=source", token: e.sub}))
	if sub.Language != "c" || sub.Entry != "main.c" || len(sub.Files) != 3 || sub.Files[2].Path != "main.c" || *sub.Files[2].Content != src {
		t.Fatalf("stored as language %q entry %q files %+v", sub.Language, sub.Entry, sub.Files)
	}
	// Judge0's view still shows the source as source_code.
	var view struct {
		SourceCode string `json:"source_code"`
	}
	if err := json.Unmarshal(e.do(req{method: "GET", path: "/judge0/submissions/" + token + "?fields=source_code", token: e.sub}).body, &view); err != nil || view.SourceCode != src {
		t.Fatalf("Judge0 source_code = %q (%v), want the source", view.SourceCode, err)
	}
	cfg := decode[map[string]any](t, e.do(req{method: "GET", path: "/judge0/config_info", token: e.sub}))
	if cfg["enable_additional_files"] != true {
		t.Errorf("config_info enable_additional_files = %v, want true", cfg["enable_additional_files"])
	}

	before := e.count("submissions")
	bomb := strings.Repeat("0", 1<<20)
	for _, c := range []struct {
		name   string
		files  string
		status int
		want   string
	}{
		{"not base64", "%%%", 422, "not valid base64"},
		{"not a zip", base64.StdEncoding.EncodeToString([]byte("hello")), 422, "not a zip archive"},
		{"zip slip", zipB64(t, [2]string{"../../etc/passwd", "x"}), 422, `../../etc/passwd\"`},
		{"clashes with the source", zipB64(t, [2]string{"main.c", "int x;"}), 422, "main.c, the name of the source file"},
		{"zip bomb", zipB64(t, [2]string{"zeros", bomb}), 413, "once decompressed"},
		{"too many files", zipB64(t, [2]string{"a", ""}, [2]string{"b", ""}, [2]string{"c", ""}, [2]string{"d", ""}, [2]string{"e", ""}), 413, "limit of 4 files"},
		// Four from the archive and the source make five: over the cap once the source joins.
		{"too many with the source", zipB64(t, [2]string{"a", ""}, [2]string{"b", ""}, [2]string{"c", ""}, [2]string{"d", ""}), 413, "5 files, more than the limit of 4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(req{method: "POST", path: "/judge0/submissions", token: e.sub,
				body: map[string]any{"source_code": src, "language_id": 50, "additional_files": c.files}})
			if r.status != c.status || !strings.Contains(string(r.body), c.want) {
				t.Fatalf("%d %s, want %d naming %q", r.status, r.body, c.status, c.want)
			}
		})
	}
	if n := e.count("submissions"); n != before {
		t.Errorf("refused archives stored %d rows", n-before)
	}
}
