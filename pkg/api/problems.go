package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/store"
)

// problemStore is what the problem routes need.
type problemStore interface {
	LatestProblem(ctx context.Context, slug string) (store.ProblemVersion, error)
	ListProblems(ctx context.Context) ([]store.ProblemVersion, error)
	PutProblem(ctx context.Context, n store.NewProblem) (store.ProblemVersion, bool, error)
}

func (s *Server) listProblems(w http.ResponseWriter, r *http.Request, _ principal) error {
	ps, err := s.store.ListProblems(r.Context())
	if err != nil {
		return err
	}
	out := apiv1.ProblemList{Items: make([]apiv1.Problem, 0, len(ps))}
	for _, p := range ps {
		out.Items = append(out.Items, problemV1(p))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getProblem(w http.ResponseWriter, r *http.Request, _ principal) error {
	slug := r.PathValue("slug")
	if !slugRE.MatchString(slug) {
		return errBadSlug(slug)
	}
	p, err := s.store.LatestProblem(r.Context(), slug)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("no problem %q; GET /v1/problems lists them", slug)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, problemV1(p))
	return nil
}

// packageTypes are the Content-Types a package upload may have; the archive format itself is
// detected from its first bytes.
var packageTypes = []string{"application/zip", "application/gzip", "application/x-gzip", "application/x-tar",
	"application/x-compressed-tar", "application/octet-stream"}

// putProblem stores an uploaded package as the problem's next version. Validation is
// pkg/problem's: a broken package is a 422 listing every issue, and nothing is stored.
func (s *Server) putProblem(w http.ResponseWriter, r *http.Request, _ principal) error {
	slug := r.PathValue("slug")
	if !slugRE.MatchString(slug) {
		return errBadSlug(slug)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !slices.Contains(packageTypes, mt) {
			return errUnsupportedType("Content-Type %q: send the package archive as application/zip or application/gzip", ct)
		}
	}
	if r.ContentLength > s.limits.MaxPackageBytes {
		return errTooLarge(fmt.Sprintf("the package (%d bytes) is larger than the limit of %d bytes (max_package_bytes)", r.ContentLength, s.limits.MaxPackageBytes))
	}
	// The upload never sits in memory whole: the archive is spooled to a file, unpacked with
	// every byte counted as it is decompressed, its test data spilled to files, and stored in
	// chunks. What stays in memory is the package's small files (a quarter of the budget at
	// most) and one chunk at a time.
	dir, err := os.MkdirTemp(s.limits.SpillDir, "judge-upload-*")
	if err != nil {
		return fmt.Errorf("upload: spool directory: %w", err)
	}
	defer os.RemoveAll(dir)
	archive, size, err := spool(dir, http.MaxBytesReader(w, r.Body, s.limits.MaxPackageBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errTooLarge(fmt.Sprintf("the package is larger than the limit of %d bytes (max_package_bytes)", s.limits.MaxPackageBytes))
		}
		return err
	}
	defer archive.Close()
	if size == 0 {
		return errBadRequest("the body is empty; send the problem package as a zip or tar.gz archive")
	}
	pkg, err := problem.LoadArchiveFile(archive, size, problem.Caps{
		MaxFileBytes: s.limits.MaxTestFileBytes, MaxTotalBytes: s.limits.MaxUnpackedBytes,
		MaxMemoryBytes: s.limits.MemoryBudget / 4, SpillDir: dir,
	})
	var invalid *problem.Error
	var capped *problem.LimitError
	switch {
	case errors.As(err, &capped):
		setting := map[string]string{"file": "max_test_file_bytes", "total": "max_package_unpacked_bytes", "memory": "request_memory_budget (a quarter of it)"}[capped.Cap]
		return errTooLarge(fmt.Sprintf("%v; the server refuses it (%s = %d bytes)", capped, setting, capped.Limit),
			apiv1.FieldError{Field: capped.Path, Message: fmt.Sprintf("over the cap of %d bytes (%s)", capped.Limit, setting)})
	case errors.As(err, &invalid):
		fields := make([]apiv1.FieldError, 0, len(invalid.Issues))
		for _, is := range invalid.Issues {
			fields = append(fields, apiv1.FieldError{Field: is.Path, Message: is.Msg})
		}
		return &apiError{status: http.StatusUnprocessableEntity, typ: apiv1.ErrTypeValidation, title: "Invalid problem package",
			detail: fmt.Sprintf("the package has %d issue(s); see errors (`judgectl problem verify` finds them locally)", len(fields)), fields: fields}
	case err != nil:
		return &apiError{status: http.StatusUnprocessableEntity, typ: apiv1.ErrTypeValidation, title: "Invalid problem package",
			detail: fmt.Sprintf("%v; send a zip, tar.gz or tar archive of a Kattis/ICPC problem package", err)}
	}
	if n := len(pkg.Tests()); n > s.limits.MaxTests {
		return errTooLarge(fmt.Sprintf("the package has %d test cases, more than the limit of %d", n, s.limits.MaxTests))
	}
	n := s.flatten(slug, archive.Name(), pkg)
	// What the package's YAML says goes into text and jsonb columns: a NUL there (YAML can
	// write one as "\0") is a 422 here, not a database error.
	var fields []apiv1.FieldError
	if p := textProblem(n.Name, 4096); p != "" {
		fields = append(fields, apiv1.FieldError{Field: "problem.yaml", Message: "name: " + p})
	}
	if bytes.Contains(n.Settings, []byte(`\u0000`)) {
		fields = append(fields, apiv1.FieldError{Field: "problem.yaml", Message: "a setting (validator flags, grading) contains a NUL character"})
	}
	if len(fields) > 0 {
		return &apiError{status: http.StatusUnprocessableEntity, typ: apiv1.ErrTypeValidation, title: "Invalid problem package",
			detail: "the package has text the server cannot store; see errors", fields: fields}
	}
	p, created, err := s.store.PutProblem(r.Context(), n)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/v1/problems/"+slug)
	}
	writeJSON(w, status, apiv1.ProblemPushed{Problem: problemV1(p), Created: created})
	return nil
}

// packageSettings is what problems.settings holds: the grading settings the columns do not.
type packageSettings struct {
	Format          string                      `json:"format"`
	ValidatorFlags  []string                    `json:"validator_flags,omitempty"`
	OutputValidator bool                        `json:"output_validator"`
	Limits          problem.Limits              `json:"limits"`
	Groups          map[string]problem.Settings `json:"groups"`
}

// flatten turns a loaded package into rows. A package without a fixed time limit (legacy
// packages compute theirs from the accepted submissions) gets the server's default.
func (s *Server) flatten(slug, archiveFile string, p *problem.Problem) store.NewProblem {
	n := store.NewProblem{
		Slug: slug, Name: p.Name, PackageFile: archiveFile,
		TimeLimitMS: int(p.Limits.TimeLimit.Milliseconds()),
		MemoryKB:    p.Limits.MemoryBytes >> 10,
		OutputKB:    p.Limits.OutputBytes >> 10,
		Interactive: p.Interactive,
		Scoring:     p.Type == problem.Scoring,
	}
	if n.Name == "" {
		n.Name = slug
	}
	def := s.limits.DefaultRun
	if n.TimeLimitMS <= 0 {
		n.TimeLimitMS = def.TimeMS
	}
	if n.MemoryKB <= 0 {
		n.MemoryKB = def.MemoryKB
	}
	if n.OutputKB <= 0 {
		n.OutputKB = def.OutputKB
	}
	settings := packageSettings{Format: p.Format, ValidatorFlags: p.ValidatorFlags, OutputValidator: p.OutputValidator != nil,
		Limits: p.Limits, Groups: map[string]problem.Settings{}}
	var walk func(g *problem.Group)
	walk = func(g *problem.Group) {
		settings.Groups[g.Name] = g.Settings
		for _, it := range g.Items {
			if it.Group != nil {
				walk(it.Group)
			}
		}
	}
	if p.Data != nil {
		walk(p.Data)
	}
	n.Settings, _ = json.Marshal(settings) // plain data: cannot fail
	for _, t := range p.Tests() {
		group := ""
		if i := strings.LastIndex(t.Name, "/"); i >= 0 {
			group = t.Name[:i]
		}
		n.Tests = append(n.Tests, store.NewTestcase{Name: t.Name, Group: group, Hidden: !t.Sample,
			Input: t.Input, Answer: t.Answer, InputFile: t.InputFile, AnswerFile: t.AnswerFile})
	}
	return n
}

// spool copies r into a new file in dir and returns it open for reading, with its size.
func spool(dir string, r io.Reader) (*os.File, int64, error) {
	f, err := os.CreateTemp(dir, "package-*")
	if err != nil {
		return nil, 0, fmt.Errorf("upload: spool: %w", err)
	}
	n, err := io.Copy(f, r)
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, n, nil
}
