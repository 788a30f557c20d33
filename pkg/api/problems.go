package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
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
	ProblemAt(ctx context.Context, slug string, version int) (store.ProblemVersion, error)
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
	if p.TimeLimitSource != "package" {
		// Its calibration (the runs its limit was computed from) comes along.
		if p, err = s.store.ProblemAt(r.Context(), slug, p.Version); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, problemV1(p))
	return nil
}

// getProblemVersion shows one version of a problem with its calibration: `judgectl problem
// push` polls it for the progress of a pushed version's time limit.
func (s *Server) getProblemVersion(w http.ResponseWriter, r *http.Request, _ principal) error {
	slug := r.PathValue("slug")
	if !slugRE.MatchString(slug) {
		return errBadSlug(slug)
	}
	// Versions are int columns: a larger number is no version.
	v64, err := strconv.ParseInt(r.PathValue("version"), 10, 32)
	v := int(v64)
	if err != nil || v < 1 {
		return errBadRequest("version %q: give a version number (1, 2, ...), as GET /v1/problems/%s shows", r.PathValue("version"), slug)
	}
	p, err := s.store.ProblemAt(r.Context(), slug, v)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("no version %d of problem %q; GET /v1/problems/%s shows the current one", v, slug, slug)
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
// pkg/problem's: a broken package is a 422 listing every issue, and nothing is stored. A
// package without a fixed time limit is stored calibrating (calibrationOf).
func (s *Server) putProblem(w http.ResponseWriter, r *http.Request, who principal) error {
	slug := r.PathValue("slug")
	if !slugRE.MatchString(slug) {
		return errBadSlug(slug)
	}
	force := false
	if v := r.URL.Query().Get("force"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errBadRequest("force=%q: use true or false", v)
		}
		force = b
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
	if pkg.Limits.TimeLimit == 0 {
		n.Calibration = s.calibrationOf(pkg, n, who, force)
	}
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

// calibrationOf plans the server's run of p's accepted submissions, from which the time limit
// of a package that does not fix one is computed (as `judgectl problem verify` computes it).
// The runs are submissions enqueued like any other: this API never runs a program itself.
// Accepted submissions the server cannot judge (several files, an unknown language) are skipped
// with a warning; a package left with none gets the server's default limit, with a warning.
func (s *Server) calibrationOf(p *problem.Problem, n store.NewProblem, who principal, force bool) *store.NewCalibration {
	probe := int(problem.ProbeTimeLimit.Milliseconds())
	if m := s.limits.MaxRun.TimeMS; m > 0 && m < probe {
		probe = m
	}
	// The runs get the problem's memory and output limits and the probe's CPU time, resolved
	// as any submission's are; the wall limit follows from the CPU time as for any run.
	limits, _ := store.ResolveLimits(store.LimitRequest{
		Policy:  store.LimitPolicy{Defaults: s.limits.DefaultRun, Max: s.limits.MaxRun},
		Problem: &store.Limits{TimeMS: probe, MemoryKB: n.MemoryKB, OutputKB: n.OutputKB}})
	c := &store.NewCalibration{Force: force, TimeMultiplier: p.Limits.TimeMultiplier, TimeResolution: p.Limits.TimeResolution,
		FallbackMS: s.limits.DefaultRun.TimeMS, OwnerTokenID: who.tokenID, Owner: who.name, Limits: limits}
	for _, sub := range p.Submissions {
		if !sub.AcceptedOnly() {
			continue
		}
		names := slices.Sorted(maps.Keys(sub.Files))
		l, ok := s.langs.Detect(names)
		switch {
		case len(names) != 1:
			c.Warnings = append(c.Warnings, fmt.Sprintf("submissions/%s: %d files; the server judges one-file submissions, so it is not part of the time limit (`judgectl problem verify` runs it)", sub.Path, len(names)))
		case !ok:
			c.Warnings = append(c.Warnings, fmt.Sprintf("submissions/%s: no language of this server matches its file extension; not part of the time limit", sub.Path))
		case int64(len(sub.Files[names[0]])) > s.limits.MaxSourceBytes || textProblem(string(sub.Files[names[0]]), -1) != "":
			c.Warnings = append(c.Warnings, fmt.Sprintf("submissions/%s: not a source the server accepts (over max_source_bytes, or not text); not part of the time limit", sub.Path))
		default:
			c.Runs = append(c.Runs, store.CalibrationRun{Path: sub.Path, Language: l.ID, Source: string(sub.Files[names[0]])})
		}
	}
	if len(c.Runs) == 0 {
		// Nothing to compute from: every accepted submission passes, vacuously. The version is
		// active at once on the server's default, and says so.
		c.Warnings = append(c.Warnings, fmt.Sprintf("no accepted submission the server can run: the time limit is the server's default, %d ms (set limits.time_limit in problem.yaml to fix one)", c.FallbackMS))
	}
	return c
}

// packageSettings is what problems.settings holds: the grading settings the columns do not.
type packageSettings struct {
	Format          string                      `json:"format"`
	ValidatorFlags  []string                    `json:"validator_flags,omitempty"`
	OutputValidator bool                        `json:"output_validator"`
	Limits          problem.Limits              `json:"limits"`
	Groups          map[string]problem.Settings `json:"groups"`
}

// flatten turns a loaded package into rows. A package without a fixed time limit gets the
// server's default here; putProblem then has it computed (calibrationOf).
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
		n.Tests = append(n.Tests, store.NewTestcase{Name: t.Name, Group: group, Hidden: !t.Sample})
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
