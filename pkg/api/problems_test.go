package api_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/problem"
)

// pack builds a package archive from files (path -> content) with pkg/problem's packer.
func pack(t *testing.T, files map[string]string) []byte {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := problem.Pack(&buf, dir, problem.TarGz); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sumPackage(answer string) map[string]string {
	return map[string]string{
		"problem.yaml":      "name: Sum\n",
		"data/sample/1.in":  "1 2\n",
		"data/sample/1.ans": "3\n",
		"data/secret/1.in":  "2 2\n",
		"data/secret/1.ans": answer,
		"data/secret/2.in":  "5 5\n",
		"data/secret/2.ans": "10\n",
	}
}

func TestPutAndGetProblems(t *testing.T) {
	e := newEnv(t, envOpts{limits: api.Limits{MaxPackageBytes: 64 << 10, MaxTests: 3}})
	files := sumPackage("4\n")
	archive := pack(t, files)
	put := func(body []byte, ct, slug string) resp {
		return e.do(req{method: "PUT", path: "/v1/problems/" + slug, token: e.admin, body: body, header: map[string]string{"Content-Type": ct}})
	}
	r := put(archive, "application/gzip", "sum")
	if r.status != http.StatusCreated {
		t.Fatalf("first push: %d %s", r.status, r.body)
	}
	pushed := decode[apiv1.ProblemPushed](t, r)
	if !pushed.Created || pushed.Problem.Version != 1 || pushed.Problem.Name != "Sum" || pushed.Problem.Samples != 1 || pushed.Problem.Tests != 3 {
		t.Errorf("pushed = %+v", pushed)
	}
	var hidden int
	if err := e.st.DB().QueryRow(`SELECT count(*) FROM testcases WHERE hidden`).Scan(&hidden); err != nil || hidden != 2 {
		t.Errorf("%d hidden testcases, want 2 (%v)", hidden, err)
	}
	if r = put(archive, "application/gzip", "sum"); r.status != http.StatusOK || decode[apiv1.ProblemPushed](t, r).Created {
		t.Errorf("identical push: %d %s", r.status, r.body)
	}
	files["data/secret/1.ans"] = "4\n\n"
	if r = put(pack(t, files), "", "sum"); r.status != http.StatusCreated || decode[apiv1.ProblemPushed](t, r).Problem.Version != 2 {
		t.Errorf("changed push: %d %s", r.status, r.body)
	}

	got := decode[apiv1.Problem](t, e.do(req{method: "GET", path: "/v1/problems/sum", token: e.viewer}))
	if got.Slug != "sum" || got.Version != 2 || got.Type != "pass-fail" || got.Limits.TimeMS <= 0 {
		t.Errorf("GET problem = %+v", got)
	}
	list := decode[apiv1.ProblemList](t, e.do(req{method: "GET", path: "/v1/problems", token: e.sub}))
	if len(list.Items) != 1 || list.Items[0].Version != 2 {
		t.Errorf("list = %+v", list)
	}
	if r := e.do(req{method: "GET", path: "/v1/problems/nope", token: e.sub}); r.status != 404 || r.problem(t).Type != apiv1.ErrTypeNotFound {
		t.Errorf("unknown problem: %d", r.status)
	}

	before := e.count("problems")
	fourTests := sumPackage("4\n")
	fourTests["data/secret/3.in"], fourTests["data/secret/3.ans"] = "1 1\n", "2\n"
	// An input without its answer, and no secret data: pkg/problem refuses it.
	broken := tarGz(t, map[string]string{"problem.yaml": "name: X\n", "data/sample/1.in": "x"})
	for _, c := range []struct {
		name, slug, ct string
		body           []byte
		status         int
		typ            string
	}{
		{"broken package", "bad", "application/gzip", broken, 422, apiv1.ErrTypeValidation},
		{"not an archive", "bad", "application/zip", []byte("hello"), 422, apiv1.ErrTypeValidation},
		{"empty body", "bad", "application/zip", nil, 400, apiv1.ErrTypeBadRequest},
		{"bad slug", "Bad%20Slug", "application/zip", archive, 400, apiv1.ErrTypeBadRequest},
		{"wrong content type", "bad", "text/plain", archive, 415, apiv1.ErrTypeUnsupportedType},
		{"too large", "bad", "application/zip", bytes.Repeat([]byte{1}, 65<<10), 413, apiv1.ErrTypeTooLarge},
		{"too many tests", "bad", "application/gzip", pack(t, fourTests), 413, apiv1.ErrTypeTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := put(c.body, c.ct, c.slug)
			if r.status != c.status || r.problem(t).Type != c.typ {
				t.Errorf("%d %s, want %d %s", r.status, r.body, c.status, c.typ)
			}
		})
	}
	if n := e.count("problems"); n != before {
		t.Errorf("%d problems after refused pushes, want %d", n, before)
	}
}

// tarGz archives files without validating them (Pack refuses broken packages).
func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, c := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
