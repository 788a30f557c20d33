package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/srcfiles"
	"github.com/judge-dev/judge/pkg/store"
)

// The Judge0-compatible API: Judge0 CE 1.13.1's routes, fields, defaults and status ids under
// /judge0/, so clients written for Judge0 (the official judge0 Python client among them) work
// with only the base URL and the auth header changed. Tokens are submission ids; X-Auth-Token
// is a bearer token and X-Auth-User an admin token (Judge0's authorization). Errors are
// problem+json carrying Judge0's own members: `error` for a 400, the attribute map of a 422.
// docs/api.md has the compatibility table.

// judge0Store is what the Judge0 routes need beyond the submission routes.
type judge0Store interface {
	Judge0Details(ctx context.Context, ids []string) (map[string]store.Judge0Details, error)
	SubmissionsPage(ctx context.Context, ownerTokenID int64, offset, limit int) ([]store.Submission, int64, error)
	DeleteDoneSubmission(ctx context.Context, id string) (bool, error)
	WorkerSlots(ctx context.Context) (workers, slots int, err error)
	Judge0CallbackStore
}

const (
	// judge0Version is the Judge0 release whose API this is; the official client picks its
	// language table by it.
	judge0Version = "1.13.1"
	// judge0MaxBatch is Judge0's max_submission_batch_size default.
	judge0MaxBatch = 20
	// Judge0's defaults and maxima of the attributes the judge has no setting for.
	judge0DefaultWallMS     = 5000
	judge0DefaultExtraTime  = 0.5
	judge0MaxExtraTime      = 2.0
	judge0DefaultStackKB    = 64000
	judge0MaxStackKB        = 128000
	judge0DefaultProcesses  = 60
	judge0DefaultFileSizeKB = 1024
)

func (s *Server) judge0Routes(mux *http.ServeMux) {
	j := func(pattern string, roles []string, h handlerFunc) { s.route(mux, pattern, roles, s.judge0Errors(h)) }
	j("GET /judge0/about", readers, s.judge0About)
	j("GET /judge0/version", readers, s.judge0VersionText)
	j("GET /judge0/config_info", readers, s.judge0ConfigInfo)
	j("GET /judge0/system_info", readers, s.judge0SystemInfo)
	j("GET /judge0/statuses", readers, s.judge0StatusList)
	j("GET /judge0/languages", readers, s.judge0LanguageList)
	j("GET /judge0/languages/all", readers, s.judge0LanguageListAll)
	j("GET /judge0/languages/{id}", readers, s.judge0LanguageOne)
	j("GET /judge0/workers", readers, s.judge0Workers)
	j("POST /judge0/authenticate", readers, s.judge0Authenticate)
	j("POST /judge0/authorize", readers, s.judge0Authorize)
	j("POST /judge0/submissions", submitters, s.judge0Submit)
	j("GET /judge0/submissions", readers, s.judge0List)
	j("POST /judge0/submissions/batch", submitters, s.judge0BatchSubmit)
	j("GET /judge0/submissions/batch", readers, s.judge0BatchGet)
	j("GET /judge0/submissions/{token}", readers, s.judge0Get)
	j("DELETE /judge0/submissions/{token}", readers, s.judge0Delete)
}

// judge0Invalid is a 422 with Judge0's attribute map.
type judge0Invalid struct{ fe *judge0FieldErrors }

func (e judge0Invalid) Error() string { return e.fe.apiError().Error() }

// judge0Names maps /v1 field names (from the shared validation) to Judge0's.
var judge0Names = map[string]string{
	"source": "source_code", "language": "language_id", "limits.time_ms": "cpu_time_limit",
	"limits.memory_kb": "memory_limit", "limits.wall_time_ms": "wall_time_limit",
	"limits.processes": "max_processes_and_or_threads", "limits.file_size_kb": "max_file_size",
}

// judge0FieldsOf renames the field errors of the shared validation to Judge0's attributes.
func judge0FieldsOf(fields []apiv1.FieldError) *judge0FieldErrors {
	fe := &judge0FieldErrors{}
	for _, f := range fields {
		name := f.Field
		if n, ok := judge0Names[name]; ok {
			name = n
		}
		fe.add(name, "%s", f.Message)
	}
	return fe
}

// judge0Errors writes the errors of h as problem+json with Judge0's members added.
func (s *Server) judge0Errors(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p principal) error {
		err := h(w, r, p)
		if err == nil || r.Context().Err() != nil {
			return err
		}
		var inv judge0Invalid
		if errors.As(err, &inv) {
			writeJudge0Problem(w, inv.fe.apiError(), inv.fe.judge0())
			return nil
		}
		e, internal := toAPIError(err)
		if internal {
			return err // route logs it and answers 500
		}
		if e.status == http.StatusServiceUnavailable {
			s.log.Warn("request failed: unavailable", "route", r.Pattern, "err", err)
		}
		if e.status == http.StatusUnprocessableEntity && len(e.fields) > 0 {
			fe := judge0FieldsOf(e.fields)
			writeJudge0Problem(w, fe.apiError(), fe.judge0())
			return nil
		}
		writeJudge0Problem(w, e, nil)
		return nil
	}
}

// writeJudge0Problem is writeProblem plus Judge0's members: the attribute map of a 422, or the
// `error` text of anything else.
func writeJudge0Problem(w http.ResponseWriter, e *apiError, attrs map[string][]string) {
	body := map[string]any{"type": e.typ, "title": e.title, "status": e.status}
	if e.detail != "" {
		body["detail"] = e.detail
	}
	if len(e.fields) > 0 {
		body["errors"] = e.fields
	}
	if attrs != nil {
		for k, v := range attrs {
			if _, taken := body[k]; !taken {
				body[k] = v
			}
		}
	} else {
		body["error"] = e.detail
		if e.detail == "" {
			body["error"] = e.title
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(judge0JSON(body))
}

func writeJudge0(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(judge0JSON(v))
}

// judge0Bool reads a boolean query parameter: absent is false. Judge0 takes anything but
// "true" as false; a value that is no boolean at all is refused here, as it is a client's bug.
func judge0Bool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errBadRequest("?%s=%q: want true or false", name, v)
	}
	return b, nil
}

func (s *Server) judge0Submit(w http.ResponseWriter, r *http.Request, p principal) error {
	b64, err := judge0Bool(r, "base64_encoded")
	if err != nil {
		return err
	}
	wait, err := judge0Bool(r, "wait")
	if err != nil {
		return err
	}
	fields, err := parseJudge0Fields(r.URL.Query().Get("fields"))
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	var jr judge0Request
	if err := decodeJSON(w, r, s.limits.MaxBodyBytes, &jr); err != nil {
		return err
	}
	c, err := s.acceptJudge0(r.Context(), p, jr, b64, key)
	if err != nil {
		return err
	}
	if !wait {
		writeJudge0(w, http.StatusCreated, map[string]string{"token": c.ID})
		return nil
	}
	// Committed: from here on the answer is the submission, never an error (see waitDone).
	_, _, _ = s.waitDone(r.Context(), c.ID, s.limits.MaxWait, p)
	views, err := s.judge0Views(context.WithoutCancel(r.Context()), []string{c.ID}, b64, p)
	if err != nil {
		s.log.Warn("judge0 wait: answering with the token only", "submission", c.ID, "err", err)
		writeJudge0(w, http.StatusCreated, map[string]string{"token": c.ID})
		return nil
	}
	v, err := pickJudge0(views[0], fields, b64)
	if err != nil {
		return err
	}
	writeJudge0(w, http.StatusCreated, v)
	return nil
}

// acceptJudge0 validates a Judge0 request and stores it through the one accept path.
func (s *Server) acceptJudge0(ctx context.Context, p principal, jr judge0Request, b64 bool, key string) (store.Created, error) {
	_, langs := s.languages.get(ctx)
	req, j0, fe := s.fromJudge0(jr, langs, b64)
	if !fe.empty() {
		return store.Created{}, judge0Invalid{fe}
	}
	if n := int64(len(j0.StdinBytes)); n > s.limits.MaxStdinBytes {
		return store.Created{}, errTooLarge("a field is larger than the server accepts",
			apiv1.FieldError{Field: "stdin", Message: fmt.Sprintf("%d bytes, more than the limit of %d", n, s.limits.MaxStdinBytes)})
	}
	if jr.AdditionalFiles != nil && *jr.AdditionalFiles != "" {
		if err := s.withAdditionalFiles(&req, *jr.AdditionalFiles); err != nil {
			return store.Created{}, err
		}
	}
	return s.accept(ctx, p, req, key, func(n *store.NewSubmission) { n.Judge0 = j0 })
}

// withAdditionalFiles makes req a multi-file submission of Judge0's additional_files (a zip
// archive in base64, whatever base64_encoded says, as Judge0 takes it) and the source, which
// becomes the entry under the language's source file name (main.c, Main.java), as Judge0 places
// it beside the archive's files. The archive is unpacked under the server's submission caps,
// counted while it decompresses; the files then pass the v1 validation like any others.
func (s *Server) withAdditionalFiles(req *apiv1.SubmissionRequest, archive string) error {
	invalid := func(format string, args ...any) error {
		fe := &judge0FieldErrors{}
		fe.add("additional_files", format, args...)
		return judge0Invalid{fe}
	}
	raw, err := base64.StdEncoding.DecodeString(archive)
	if err != nil {
		return invalid("is not valid base64 (a zip archive, base64-encoded): %v", err)
	}
	files, err := srcfiles.Unzip(raw, s.limits.Files)
	var p *srcfiles.Problem
	switch {
	case errors.As(err, &p) && p.TooLarge:
		return errTooLarge("additional_files is larger than the server accepts", apiv1.FieldError{Field: "additional_files", Message: p.Error()})
	case errors.As(err, &p):
		return invalid("%s", p.Error())
	case err != nil:
		return invalid("is not a zip archive: %v", err)
	}
	l, _ := s.langs.Get(req.Language) // fromJudge0 mapped the id to a language of the table
	cmd, err := l.Prepare([]byte(req.Source))
	if err != nil {
		return invalid("the source cannot be placed: %v", err)
	}
	if slices.ContainsFunc(files, func(f srcfiles.File) bool { return f.Path == cmd.SourceFile }) {
		return invalid("the archive holds %s, the name of the source file of %s; rename it", cmd.SourceFile, l.ID)
	}
	files = append(files, srcfiles.File{Path: cmd.SourceFile, Data: []byte(req.Source)})
	req.Files, req.Entry, req.Source = apiv1.WireFiles(files), cmd.SourceFile, ""
	return nil
}

// fromJudge0 turns Judge0's attributes into the judge's request, with Judge0's defaults for
// what the client leaves out and Judge0's validation messages.
func (s *Server) fromJudge0(jr judge0Request, langs []judge0Language, b64 bool) (apiv1.SubmissionRequest, *store.Judge0, *judge0FieldErrors) {
	fe := &judge0FieldErrors{}
	cfg := s.judge0Config()
	decode := func(v string) string {
		if b64 {
			return string(judge0Decode64(v))
		}
		return v
	}
	var req apiv1.SubmissionRequest
	if jr.SourceCode == nil || *jr.SourceCode == "" {
		fe.add("source_code", "can't be blank")
	} else {
		req.Source = decode(*jr.SourceCode)
	}
	j0 := &store.Judge0{}
	switch {
	case jr.LanguageID == nil:
		fe.add("language_id", "can't be blank")
	case !jr.LanguageID.valid:
		fe.add("language_id", "is not a number")
	default:
		id := int(math.Trunc(jr.LanguageID.v))
		l, ok := judge0LanguageByID(langs, id)
		if !ok {
			fe.add("language_id", "language with id %d doesn't exist", id)
		} else {
			req.Language, j0.LanguageID = l.Lang.ID, id
		}
	}
	if jr.Stdin != nil {
		v := decode(*jr.Stdin)
		req.Stdin = &v
		if strings.ContainsRune(v, 0) || !utf8.ValidString(v) {
			// Not text: the bytes travel in the Judge0 row (the stdin column is text).
			empty := ""
			req.Stdin, j0.StdinBytes = &empty, []byte(v)
		}
	}
	if jr.ExpectedOutput != nil {
		v := decode(*jr.ExpectedOutput)
		req.ExpectedOutput = &v
	}
	// num checks a positive number against its maximum, as Judge0's numericality validations.
	num := func(field string, v *j0Num, max float64, isFloat bool) (float64, bool) {
		if v == nil {
			return 0, false
		}
		if !v.valid {
			fe.add(field, "is not a number")
			return 0, false
		}
		f := v.v
		if f <= 0 {
			fe.add(field, "must be greater than 0")
			return 0, false
		}
		if f > max {
			m := strconv.FormatFloat(max, 'f', -1, 64)
			if isFloat && !strings.Contains(m, ".") {
				m += ".0"
			}
			fe.add(field, "must be less than or equal to %s", m)
			return 0, false
		}
		return f, true
	}
	l := apiv1.Limits{
		TimeMS: int(cfg.CPUTimeLimit * 1000), WallTimeMS: int(cfg.WallTimeLimit * 1000), MemoryKB: cfg.MemoryLimit,
		Processes: cfg.MaxProcessesAndOrThreads, FileSizeKB: cfg.MaxFileSize,
	}
	opts := judge0Extras{CPUExtraTime: cfg.CPUExtraTime, StackLimit: cfg.StackLimit, NumberOfRuns: cfg.NumberOfRuns}
	if v, ok := num("cpu_time_limit", jr.CPUTimeLimit, cfg.MaxCPUTimeLimit, true); ok {
		l.TimeMS = int(math.Ceil(v * 1000))
	}
	if v, ok := num("cpu_extra_time", jr.CPUExtraTime, cfg.MaxCPUExtraTime, true); ok {
		opts.CPUExtraTime = v
	}
	if v, ok := num("wall_time_limit", jr.WallTimeLimit, cfg.MaxWallTimeLimit, true); ok {
		l.WallTimeMS = int(math.Ceil(v * 1000))
	}
	if v, ok := num("memory_limit", jr.MemoryLimit, float64(cfg.MaxMemoryLimit), false); ok {
		l.MemoryKB = int64(v)
	}
	if v, ok := num("stack_limit", jr.StackLimit, float64(cfg.MaxStackLimit), false); ok {
		opts.StackLimit = int64(v)
	}
	if v, ok := num("max_processes_and_or_threads", jr.MaxProcessesAndOrThreads, float64(cfg.MaxMaxProcessesAndOrThreads), false); ok {
		l.Processes = int(v)
	}
	if v, ok := num("max_file_size", jr.MaxFileSize, float64(cfg.MaxMaxFileSize), false); ok {
		l.FileSizeKB = int64(v)
	}
	if v, ok := num("number_of_runs", jr.NumberOfRuns, float64(cfg.MaxNumberOfRuns), false); ok {
		opts.NumberOfRuns = int(v)
	}
	// Options the judge cannot honour are refused by name, never silently dropped.
	refuseTrue := func(field string, v *j0Bool, msg string) {
		if v != nil && bool(*v) {
			fe.add(field, "%s", msg)
		}
	}
	refuseTrue("enable_per_process_and_thread_time_limit", jr.PerProcessAndThreadTimeLimit, "this option cannot be enabled")
	refuseTrue("enable_per_process_and_thread_memory_limit", jr.PerProcessAndThreadMemLimit, "this option cannot be enabled")
	refuseTrue("enable_network", jr.EnableNetwork, "is not supported by this judge: programs never have network access")
	refuseSet := func(field string, v *string, msg string) {
		if v != nil && *v != "" {
			fe.add(field, "%s", msg)
		}
	}
	refuseSet("compiler_options", jr.CompilerOptions, "setting compiler options is not allowed: each language has one fixed compile command")
	j0.StderrToStdout = jr.RedirectStderrToStdout != nil && bool(*jr.RedirectStderrToStdout)
	if a := jr.CommandLineArguments; a != nil && *a != "" {
		words, err := splitArgs(*a)
		switch {
		case len(*a) > judge0MaxArguments:
			fe.add("command_line_arguments", "is too long (maximum is %d characters)", judge0MaxArguments)
		case err != nil:
			fe.add("command_line_arguments", "%s", err.Error())
		default:
			j0.Args, opts.CommandLineArguments = words, *a
		}
	}
	if jr.CallbackURL != nil && *jr.CallbackURL != "" {
		if err := s.checkCallbackURL(*jr.CallbackURL); err != nil {
			fe.add("callback_url", "%s", err.Error())
		} else {
			j0.CallbackURL = *jr.CallbackURL
		}
	}
	req.Limits = &l
	j0.Options, _ = json.Marshal(opts)
	return req, j0, fe
}

// checkCallbackURL accepts http(s) URLs whose host is in the operator's allow-list.
func (s *Server) checkCallbackURL(raw string) error {
	if len(s.judge0.CallbackHosts) == 0 {
		return errors.New("setting callback url is not allowed: callbacks are off on this judge (judge0_callback_hosts is empty)")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return errors.New("must be an http or https URL")
	}
	if !slices.Contains(s.judge0.CallbackHosts, strings.ToLower(u.Hostname())) {
		return fmt.Errorf("host %q is not allowed: the operator lists the allowed hosts in judge0_callback_hosts", u.Hostname())
	}
	return nil
}

// judge0Views loads submissions (all must exist) and renders every Judge0 field of each.
func (s *Server) judge0Views(ctx context.Context, ids []string, b64 bool, p principal) ([]map[string]any, error) {
	subs := make([]store.Submission, 0, len(ids))
	for _, id := range ids {
		sub, err := s.store.GetSubmission(ctx, id, false)
		if err != nil {
			return nil, err
		}
		subs = append(subs, sub)
	}
	return s.judge0Render(ctx, subs, b64, p)
}

func (s *Server) judge0Render(ctx context.Context, subs []store.Submission, b64 bool, p principal) ([]map[string]any, error) {
	ids := make([]string, 0, len(subs))
	for _, sub := range subs {
		ids = append(ids, sub.ID)
	}
	details, err := s.store.Judge0Details(ctx, ids)
	if err != nil {
		return nil, err
	}
	_, langs := s.languages.get(ctx)
	out := make([]map[string]any, 0, len(subs))
	for _, sub := range subs {
		out = append(out, s.judge0View(sub, details[sub.ID], langs, b64, p))
	}
	return out, nil
}

func (s *Server) judge0Get(w http.ResponseWriter, r *http.Request, p principal) error {
	b64, fields, err := judge0Output(r)
	if err != nil {
		return err
	}
	sub, err := s.loadVisible(r.Context(), r.PathValue("token"), p)
	if err != nil {
		return err
	}
	views, err := s.judge0Render(r.Context(), []store.Submission{sub}, b64, p)
	if err != nil {
		return err
	}
	v, err := pickJudge0(views[0], fields, b64)
	if err != nil {
		return err
	}
	writeJudge0(w, http.StatusOK, v)
	return nil
}
