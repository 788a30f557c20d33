package api

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// Every string a request carries is checked here before it can reach the database: PostgreSQL
// refuses NUL in text (a driver error, which used to surface as a 500) and invalid UTF-8, and
// an unbounded string is unbounded work. The limits below are also stated in api/openapi.yaml.
const (
	// maxParamBytes caps any query parameter value and path segment.
	maxParamBytes = 1024
	// maxIdempotencyKey caps the Idempotency-Key header.
	maxIdempotencyKey = 255
	// maxNameBytes caps names used as filters (owner, language id).
	maxNameBytes = 255
	// maxTokenBytes caps a bearer token.
	maxTokenBytes = 512
)

// slugRE is a problem slug: the path of PUT/GET /v1/problems/{slug}, ?problem= and the
// submission's problem field.
var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// langRE is the shape of a language id of the table (lang ids are short lower-case words).
var langRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_+.-]{0,63}$`)

const slugRule = "1-64 lower-case letters, digits, '-' and '_', starting with a letter or digit"

// textProblem says what is wrong with a text field, or "" when it may be stored: valid UTF-8,
// no NUL, at most limit bytes (limit < 0: unlimited). Too large is reported by the caller's
// own wording (413), so it only says "too large".
func textProblem(v string, limit int) string {
	switch {
	case limit >= 0 && len(v) > limit:
		return fmt.Sprintf("%d bytes, more than the limit of %d", len(v), limit)
	case strings.IndexByte(v, 0) >= 0:
		return "must not contain NUL characters"
	case !utf8.ValidString(v):
		return "must be valid UTF-8"
	}
	return ""
}

// nameProblem is textProblem for short identifiers that also must not hold control characters.
func nameProblem(v string, limit int) string {
	if p := textProblem(v, limit); p != "" {
		return p
	}
	if strings.ContainsFunc(v, unicode.IsControl) {
		return "must not contain control characters"
	}
	return ""
}

// checkRequestStrings refuses a request whose query names, query values or path is not storable
// text, before any handler looks at them: every route gets this, so no handler can forget it.
func checkRequestStrings(r *http.Request) *apiError {
	var fields []apiv1.FieldError
	if p := nameProblem(r.URL.Path, maxParamBytes); p != "" {
		fields = append(fields, apiv1.FieldError{Field: "path", Message: p})
	}
	if r.URL.RawQuery != "" {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return errBadRequest("the query string is malformed: %v", err)
		}
		for k, vs := range q {
			if p := nameProblem(k, maxParamBytes); p != "" {
				fields = append(fields, apiv1.FieldError{Field: "query", Message: "a parameter name " + p})
				continue
			}
			for _, v := range vs {
				if p := nameProblem(v, maxParamBytes); p != "" {
					fields = append(fields, apiv1.FieldError{Field: k, Message: p})
				}
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, typ: apiv1.ErrTypeBadRequest, title: "Invalid request",
		detail: "a path segment or query parameter is not acceptable text; see errors", fields: fields}
}

// idempotencyKey reads the Idempotency-Key header of a submission POST (v1 and Judge0).
func idempotencyKey(r *http.Request) (string, error) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey || strings.ContainsFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
		return "", &apiError{status: http.StatusBadRequest, typ: apiv1.ErrTypeBadRequest, title: "Invalid Idempotency-Key",
			detail: fmt.Sprintf("Idempotency-Key must be 1-%d printable ASCII characters without spaces", maxIdempotencyKey),
			fields: []apiv1.FieldError{{Field: "Idempotency-Key", Message: fmt.Sprintf("1-%d printable ASCII characters without spaces", maxIdempotencyKey)}}}
	}
	return key, nil
}

// errBadSlug refuses a problem slug (in the path, a filter or a body) that cannot name a problem.
func errBadSlug(slug string) *apiError {
	if len(slug) > 80 {
		slug = slug[:80] + "…"
	}
	return &apiError{status: http.StatusBadRequest, typ: apiv1.ErrTypeBadRequest, title: "Invalid problem slug",
		detail: fmt.Sprintf("problem slug %q: use %s", slug, slugRule),
		fields: []apiv1.FieldError{{Field: "slug", Message: slugRule}}}
}

// nameProblemOr is nameProblem's finding, or want when the text is fine but has the wrong shape.
func nameProblemOr(v, want string) string {
	if p := nameProblem(v, maxNameBytes); p != "" {
		return p
	}
	return "want " + want
}
