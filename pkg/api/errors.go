package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// apiError is an answer in application/problem+json (RFC 9457) with one of apiv1's stable types.
type apiError struct {
	status int
	typ    string
	title  string
	detail string
	fields []apiv1.FieldError
	// retryAfter, in seconds, is sent as Retry-After when set.
	retryAfter int
}

func (e *apiError) Error() string {
	if e.detail != "" {
		return e.title + ": " + e.detail
	}
	return e.title
}

func errBadRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: apiv1.ErrTypeBadRequest, title: "Bad request", detail: fmt.Sprintf(format, args...)}
}

func errValidation(fields []apiv1.FieldError) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, typ: apiv1.ErrTypeValidation, title: "Invalid submission",
		detail: "one or more fields are invalid; see errors", fields: fields}
}

func errTooLarge(detail string, fields ...apiv1.FieldError) *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, typ: apiv1.ErrTypeTooLarge, title: "Too large", detail: detail, fields: fields}
}

// errProblemNotReady refuses a submission to a problem that has no active version yet.
func errProblemNotReady(pv store.ProblemVersion) *apiError {
	detail := fmt.Sprintf("problem %q (version %d) is still calibrating: the server is computing its time limit from the package's accepted submissions; submit again when GET /v1/problems/%s says state active",
		pv.Slug, pv.Version, pv.Slug)
	if pv.State == apiv1.ProblemRejected {
		detail = fmt.Sprintf("problem %q has no active version: version %d was refused because an accepted submission did not pass (GET /v1/problems/%s/versions/%d says which); push a fixed package, or push with --force",
			pv.Slug, pv.Version, pv.Slug, pv.Version)
	}
	return &apiError{status: http.StatusConflict, typ: apiv1.ErrTypeProblemNotReady, title: "Problem not ready", detail: detail,
		fields: []apiv1.FieldError{{Field: "problem", Message: "state " + pv.State}}}
}

func errNotFound(format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, typ: apiv1.ErrTypeNotFound, title: "Not found", detail: fmt.Sprintf(format, args...)}
}

func errForbidden(format string, args ...any) *apiError {
	return &apiError{status: http.StatusForbidden, typ: apiv1.ErrTypeForbidden, title: "Forbidden", detail: fmt.Sprintf(format, args...)}
}

func errUnauthorized(detail string) *apiError {
	return &apiError{status: http.StatusUnauthorized, typ: apiv1.ErrTypeUnauthorized, title: "Unauthorized", detail: detail}
}

func errUnsupportedType(format string, args ...any) *apiError {
	return &apiError{status: http.StatusUnsupportedMediaType, typ: apiv1.ErrTypeUnsupportedType, title: "Unsupported media type", detail: fmt.Sprintf(format, args...)}
}

var errUnavailable = &apiError{status: http.StatusServiceUnavailable, typ: apiv1.ErrTypeUnavailable,
	title: "Service unavailable", detail: "the database cannot be reached; retry later", retryAfter: 2}

// toAPIError classifies any error a handler returns. Store errors keep their meaning (a lost
// database is 503, never 500); anything unknown is a 500 whose detail is not shown.
func toAPIError(err error) (e *apiError, internal bool) {
	if errors.As(err, &e) {
		return e, false
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return errTooLarge(fmt.Sprintf("the request body is larger than %d bytes", tooBig.Limit)), false
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return errUnavailable, false
	case errors.Is(err, store.ErrNotFound):
		return errNotFound("no such resource"), false
	case errors.Is(err, store.ErrConflict):
		return &apiError{status: http.StatusConflict, typ: apiv1.ErrTypeConflict, title: "Conflict", detail: err.Error()}, false
	}
	return &apiError{status: http.StatusInternalServerError, typ: apiv1.ErrTypeInternal, title: "Internal server error",
		detail: "the server failed; the error is logged"}, true
}

func writeProblem(w http.ResponseWriter, e *apiError) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	if e.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="judge"`)
	}
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(apiv1.ProblemDetails{Type: e.typ, Title: e.title, Status: e.status, Detail: e.detail, Errors: e.fields})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing left to tell it
}
