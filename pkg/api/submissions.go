package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/srcfiles"
	"github.com/judge-dev/judge/pkg/store"
)

// submissionStore is what the submission routes need.
type submissionStore interface {
	CreateSubmission(ctx context.Context, n store.NewSubmission) (store.Created, error)
	GetSubmission(ctx context.Context, id string, withSource bool) (store.Submission, error)
	SubmissionStatus(ctx context.Context, id string) (string, error)
	ListSubmissions(ctx context.Context, f store.ListFilter) ([]store.Submission, error)
	LatestProblem(ctx context.Context, slug string) (store.ProblemVersion, error)
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (s *Server) createSubmission(w http.ResponseWriter, r *http.Request, p principal) error {
	wait, err := s.parseWait(r)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	var req apiv1.SubmissionRequest
	if err := decodeJSON(w, r, s.limits.MaxBodyBytes, &req); err != nil {
		return err
	}
	c, err := s.accept(r.Context(), p, req, key)
	if err != nil {
		return err
	}
	loc := "/v1/submissions/" + c.ID
	w.Header().Set("Location", loc)
	if c.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	// From here on the submission is committed: whatever happens while waiting, the answer is
	// the submission (202 unless done), never an error a client would retry without a key.
	if wait > 0 {
		sub, done, err := s.waitDone(r.Context(), c.ID, wait, p)
		switch {
		case err != nil:
			s.log.Warn("wait for submission: answering 202", "submission", c.ID, "err", err)
		case done:
			writeJSON(w, http.StatusOK, sub)
			return nil
		default:
			c.Status = sub.Status
		}
	}
	writeJSON(w, http.StatusAccepted, apiv1.SubmissionAccepted{ID: c.ID, Status: c.Status, Location: loc})
	return nil
}

// decodeJSON reads one JSON value of at most limit bytes into v, refusing unknown fields.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errUnsupportedType("Content-Type %q: send application/json", ct)
		}
	}
	if r.ContentLength > limit {
		return errTooLarge(fmt.Sprintf("the request body (%d bytes) is larger than the limit of %d bytes", r.ContentLength, limit))
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return errTooLarge(fmt.Sprintf("the request body is larger than the limit of %d bytes", limit))
		case errors.Is(err, io.EOF):
			return errBadRequest("the request body is empty; send a JSON object")
		case errors.As(err, &syn):
			return errBadRequest("the body is not valid JSON: %v (at byte %d)", syn, syn.Offset)
		case errors.As(err, &typ):
			return errBadRequest("field %q must be a JSON %s, not %s", typ.Field, typ.Type, typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errBadRequest("%s; see api/openapi.yaml for the fields", strings.TrimPrefix(err.Error(), "json: "))
		}
		return errBadRequest("the body is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errTooLarge(fmt.Sprintf("the request body is larger than the limit of %d bytes", limit))
		}
		return errBadRequest("the body must hold exactly one JSON value")
	}
	return nil
}

// accept validates req, applies the owner's rate limit and stores the submission with its outbox
// row: the one path by which both the v1 and the Judge0 routes accept work. extra adds to what
// is stored (the Judge0 routes' own row).
func (s *Server) accept(ctx context.Context, p principal, req apiv1.SubmissionRequest, key string, extra ...func(*store.NewSubmission)) (store.Created, error) {
	n, err := s.validateSubmission(ctx, req, p.isAdmin())
	if err != nil {
		return store.Created{}, err
	}
	for _, f := range extra {
		f(&n)
	}
	if err := s.checkRate(p); err != nil {
		return store.Created{}, err
	}
	n.OwnerTokenID, n.Owner, n.IdempotencyKey = p.tokenID, p.name, key
	if key != "" {
		n.RequestSHA256 = requestHash(req, n.Judge0)
	}
	c, err := s.store.CreateSubmission(ctx, n)
	if errors.Is(err, store.ErrConflict) && key != "" {
		return store.Created{}, &apiError{status: http.StatusConflict, typ: apiv1.ErrTypeConflict, title: "Idempotency-Key reused",
			detail: fmt.Sprintf("Idempotency-Key %q was already used with a different request body; replay it with exactly the same body, or use a new key", key),
			fields: []apiv1.FieldError{{Field: "Idempotency-Key", Message: "already used for a different request"}}}
	}
	if err != nil {
		return store.Created{}, err
	}
	s.metrics.accepted.Inc()
	return c, nil
}

// requestHash is the SHA-256 of the canonical form of req: its JSON encoding, with absent and
// all-zero limits alike, followed by the Judge0 routes' own options when there are any (their
// arguments, stdin bytes, callback...). An Idempotency-Key binds it, so a replay must carry the
// same request.
func requestHash(req apiv1.SubmissionRequest, j0 *store.Judge0) string {
	if req.Limits != nil && *req.Limits == (apiv1.Limits{}) {
		req.Limits = nil
	}
	b, _ := json.Marshal(req) // plain data: cannot fail
	if j0 != nil {
		extra, _ := json.Marshal(j0)
		b = append(b, extra...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// validateSubmission checks req against the language table, the problems and the limits,
// collecting every field error, and resolves the effective limits once, for good: the worker
// and the judge use what is stored. mayRaise (an admin) lets the request raise the problem's
// limits; anyone else may only lower them.
func (s *Server) validateSubmission(ctx context.Context, req apiv1.SubmissionRequest, mayRaise bool) (store.NewSubmission, error) {
	var fields, tooLarge []apiv1.FieldError
	bad := func(field, format string, args ...any) {
		fields = append(fields, apiv1.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	n := store.NewSubmission{Language: req.Language, Source: req.Source, Stdin: req.Stdin, ExpectedOutput: req.ExpectedOutput}
	switch {
	case req.Language == "":
		bad("language", "required; GET /v1/languages lists the ids")
	case !langRE.MatchString(req.Language):
		bad("language", "not a language id (%s); GET /v1/languages lists the ids", nameProblemOr(req.Language, "lower-case letters, digits and _+.-"))
	default:
		if _, ok := s.langs.Get(req.Language); !ok {
			bad("language", "unknown language %q; GET /v1/languages lists the ids", req.Language)
		}
	}
	text := func(field string, v string, limit int64, required bool) {
		switch {
		case required && strings.TrimSpace(v) == "":
			bad(field, "required and must not be blank")
		case int64(len(v)) > limit:
			tooLarge = append(tooLarge, apiv1.FieldError{Field: field, Message: fmt.Sprintf("%d bytes, more than the limit of %d", len(v), limit)})
		default:
			if p := textProblem(v, -1); p != "" {
				bad(field, "%s", p)
			}
		}
	}
	if len(req.Files) > 0 || req.Entry != "" {
		if req.Source != "" {
			bad("source", "give either source (one file) or files (several), not both")
		}
		n.Files, n.Entry = s.checkFiles(req, bad, &tooLarge)
	} else {
		text("source", req.Source, s.limits.MaxSourceBytes, true)
	}
	if req.Stdin != nil {
		text("stdin", *req.Stdin, s.limits.MaxStdinBytes, false)
	}
	if req.ExpectedOutput != nil {
		text("expected_output", *req.ExpectedOutput, s.limits.MaxStdinBytes, false)
	}
	lr := store.LimitRequest{Policy: store.LimitPolicy{Defaults: s.limits.DefaultRun, Max: s.limits.MaxRun}, MayRaise: mayRaise}
	if req.Problem != "" && !slugRE.MatchString(req.Problem) {
		bad("problem", "not a problem slug: use %s", slugRule)
	} else if req.Problem != "" {
		if req.Stdin != nil || req.ExpectedOutput != nil {
			bad("problem", "give either a problem or an ad-hoc stdin/expected_output, not both")
		}
		pv, err := s.store.LatestProblem(ctx, req.Problem)
		switch {
		case errors.Is(err, store.ErrNotFound):
			bad("problem", "unknown problem %q; GET /v1/problems lists them", req.Problem)
		case err != nil:
			return n, err
		case pv.State != store.ProblemActive:
			// No version of it can be judged yet: its only versions are calibrating (or were
			// refused). A problem with an active version is judged against that one meanwhile.
			return n, errProblemNotReady(pv)
		default:
			n.ProblemID, n.ProblemSlug = pv.ID, pv.Slug
			lr.Problem = &pv.Limits
		}
	}
	if req.Limits != nil {
		lr.Asked = limitsFromV1(*req.Limits)
	}
	limits, refused := store.ResolveLimits(lr)
	for _, v := range refused {
		bad("limits."+v.Field, "%s", v.Message)
	}
	if len(tooLarge) > 0 {
		return n, errTooLarge("a field is larger than the server accepts", tooLarge...)
	}
	if len(fields) > 0 {
		return n, errValidation(fields)
	}
	n.Limits = limits
	return n, nil
}

// checkFiles decodes and validates the files and entry of a multi-file submission, reporting
// every bad one by bad (422, the field names the file's index and the message its path) and a
// cap exceeded into tooLarge (413). It returns the decoded files when they are all usable.
func (s *Server) checkFiles(req apiv1.SubmissionRequest, bad func(field, format string, args ...any), tooLarge *[]apiv1.FieldError) ([]srcfiles.File, string) {
	caps := s.limits.Files
	if len(req.Files) == 0 {
		bad("files", "entry %q is given without files; send files with the entry among them, or source alone", req.Entry)
		return nil, ""
	}
	if len(req.Files) > caps.MaxFiles {
		// Refused before decoding anything: the count alone is enough to say no.
		*tooLarge = append(*tooLarge, apiv1.FieldError{Field: "files", Message: fmt.Sprintf("%d files, more than the limit of %d", len(req.Files), caps.MaxFiles)})
		return nil, ""
	}
	files := make([]srcfiles.File, 0, len(req.Files))
	index := make(map[string]int, len(req.Files))
	ok := true
	for i, f := range req.Files {
		field := fmt.Sprintf("files[%d]", i)
		var data []byte
		switch {
		case f.Content != nil && f.ContentBase64 != nil:
			bad(field, "file %q: give content or content_base64, not both", f.Path)
			ok = false
		case f.Content != nil:
			data = []byte(*f.Content)
		case f.ContentBase64 != nil:
			b, err := base64.StdEncoding.DecodeString(*f.ContentBase64)
			if err != nil {
				bad(field+".content_base64", "file %q: not standard base64 (RFC 4648 with padding): %v", f.Path, err)
				ok = false
			}
			data = b
		default:
			bad(field, "file %q: give content (text) or content_base64 (any bytes)", f.Path)
			ok = false
		}
		if _, seen := index[f.Path]; !seen {
			index[f.Path] = i
		}
		files = append(files, srcfiles.File{Path: f.Path, Data: data})
	}
	for _, p := range srcfiles.Check(files, caps) {
		field := "files"
		if i, found := index[p.Path]; found && p.Path != "" {
			field = fmt.Sprintf("files[%d].path", i)
		}
		if p.TooLarge {
			*tooLarge = append(*tooLarge, apiv1.FieldError{Field: field, Message: p.Error()})
		} else {
			bad(field, "%s", p.Error())
		}
		ok = false
	}
	if !ok {
		return nil, ""
	}
	l, known := s.langs.Get(req.Language)
	if known && len(l.Extensions) > 0 && !slices.ContainsFunc(files, func(f srcfiles.File) bool { return l.IsSource(f.Path) }) {
		bad("files", "no file is a %s source (ending in %s)", l.ID, strings.Join(l.Extensions, ", "))
	}
	if req.Entry != "" {
		switch i, found := index[req.Entry]; {
		case !found:
			bad("entry", "entry %q is not one of the files' paths", req.Entry)
		case known && len(l.Extensions) > 0 && !l.IsSource(req.Entry):
			bad("entry", "entry %q (files[%d]) is not a %s source (ending in %s)", req.Entry, i, l.ID, strings.Join(l.Extensions, ", "))
		}
	}
	return files, req.Entry
}

// parseWait reads ?wait= as a Go duration ("30s") or whole seconds ("30").
func (s *Server) parseWait(r *http.Request) (time.Duration, error) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, err2 := strconv.Atoi(v)
		if err2 != nil {
			return 0, errBadRequest("?wait=%q: want a duration such as 30s", v)
		}
		d = time.Duration(secs) * time.Second
	}
	if d < 0 || d > s.limits.MaxWait {
		return 0, errBadRequest("?wait=%s: want between 0 and %s", v, s.limits.MaxWait)
	}
	return d, nil
}

// waitDone blocks until submission id is done or d passes, woken by the event fan-out and,
// as a safety net, by polling. It returns the submission as p may see it. It does not wait at
// all when the server's waits are at their cap (Limits.MaxWaits) or it is shutting down, and
// stops waiting at the first database error: a wait holds a request, and the database pool is
// shared with every other request. err is set only when the submission could not be read at
// the end; the caller answers with what it already knows.
func (s *Server) waitDone(ctx context.Context, id string, d time.Duration, p principal) (apiv1.Submission, bool, error) {
	if s.waits.tryAcquire() {
		defer s.waits.release()
		s.metrics.waits.Inc()
		s.waitUntilDone(ctx, id, d)
		s.metrics.waits.Dec()
	} else {
		s.metrics.capped.WithLabelValues("wait").Inc()
	}
	// Read the answer with the request's own context: the wait may be over, the request is not.
	sub, err := s.store.GetSubmission(context.WithoutCancel(ctx), id, false)
	if err != nil {
		return apiv1.Submission{}, false, err
	}
	return view(sub, false), sub.Status == apiv1.StatusDone, nil
}

func (s *Server) waitUntilDone(ctx context.Context, id string, d time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	sub := s.hub.subscribe(id)
	defer s.hub.unsubscribe(id, sub)
	tick := time.NewTicker(s.poll)
	defer tick.Stop()
	for check := true; ; {
		if check {
			st, err := s.store.SubmissionStatus(ctx, id)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("wait for submission: stop waiting", "submission", id, "err", err)
					s.metrics.waitErrors.Inc()
				}
				return
			}
			if st == apiv1.StatusDone {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.hub.closing():
			return // a shutting-down server answers waits at once (202 unless done)
		case <-sub.C():
			check = mayBeDone(s.hub.take(sub))
		case <-tick.C:
			check = true
		}
	}
}

// mayBeDone reports whether notifications (lost ones included) may announce the end of a
// submission: only notifications that carry their events, none of them done, say it is not.
func mayBeDone(ns []store.Notification, lost bool) bool {
	if lost {
		return true
	}
	for _, n := range ns {
		if !n.HasEvents() {
			return true
		}
		evs, err := n.Events()
		if err != nil {
			return true
		}
		for _, ev := range evs {
			if ev.Type == store.EventDone || ev.Status == store.StatusDone {
				return true
			}
		}
	}
	return false
}

func (s *Server) getSubmission(w http.ResponseWriter, r *http.Request, p principal) error {
	sub, err := s.loadVisible(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	wait, err := s.parseWait(r)
	if err != nil {
		return err
	}
	if wait > 0 && sub.Status != apiv1.StatusDone {
		v, _, err := s.waitDone(r.Context(), sub.ID, wait, p)
		if err != nil {
			// The submission was read a moment ago; that state is still a true answer.
			s.log.Warn("wait for submission: answering the state before the wait", "submission", sub.ID, "err", err)
			v = view(sub, false)
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
	withSource := false
	switch r.URL.Query().Get("include") {
	case "":
	case "source":
		if !p.isAdmin() && sub.OwnerTokenID != p.tokenID {
			return errForbidden("only the owner or an admin may read the source")
		}
		withSource = true
	default:
		return errBadRequest("?include=%q: the only value is source", r.URL.Query().Get("include"))
	}
	if withSource {
		if sub, err = s.store.GetSubmission(r.Context(), sub.ID, true); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, view(sub, withSource))
	return nil
}

// loadVisible loads a submission p may see; others' submissions are "not found" to a
// submitter, so ids do not leak.
func (s *Server) loadVisible(ctx context.Context, id string, p principal) (store.Submission, error) {
	if err := checkSubmissionID(id); err != nil {
		return store.Submission{}, err
	}
	sub, err := s.store.GetSubmission(ctx, id, false)
	if err := visibleTo(p, id, sub, err); err != nil {
		return store.Submission{}, err
	}
	return sub, nil
}

// checkSubmissionID answers 404 for an id that cannot name a submission.
func checkSubmissionID(id string) error {
	if !uuidRE.MatchString(id) {
		return errNotFound("no submission %q (ids are UUIDs)", id)
	}
	return nil
}

// visibleTo is the answer for submission id, read as sub with error err, to principal p: a
// submission p may not see is as absent as one that does not exist.
func visibleTo(p principal, id string, sub store.Submission, err error) error {
	if errors.Is(err, store.ErrNotFound) || (err == nil && !p.seesAll() && sub.OwnerTokenID != p.tokenID) {
		return errNotFound("no submission %s", id)
	}
	return err
}
