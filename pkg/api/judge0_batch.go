package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// Judge0's collection routes: the paginated list, delete, and the batches.

// rubyToI reads an integer as Ruby's String#to_i does: the leading digits (with a sign), else
// 0; a number too large for an int saturates, so it is as invalid a page as Ruby's bignum.
func rubyToI(v string) int {
	v = strings.TrimLeft(v, " \t\n")
	end := 0
	if end < len(v) && (v[end] == '-' || v[end] == '+') {
		end++
	}
	digits := end
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	if end == digits {
		return 0
	}
	n, err := strconv.Atoi(v[:end])
	if err != nil {
		if v[0] == '-' {
			return math.MinInt32
		}
		return math.MaxInt32
	}
	return n
}

func (s *Server) judge0List(w http.ResponseWriter, r *http.Request, p principal) error {
	q := r.URL.Query()
	b64, err := judge0Bool(r, "base64_encoded")
	if err != nil {
		return err
	}
	fields, err := parseJudge0Fields(q.Get("fields"))
	if err != nil {
		return err
	}
	page, perPage := 1, 20
	if q.Has("page") {
		page = rubyToI(q.Get("page"))
	}
	if q.Has("per_page") {
		perPage = rubyToI(q.Get("per_page"))
	}
	if page <= 0 {
		return judge0BadRequest("invalid page: %d", page)
	}
	if perPage < 0 {
		return judge0BadRequest("invalid per_page: %d", perPage)
	}
	if perPage == 0 {
		perPage = 20
	}
	perPage = min(perPage, s.limits.MaxPageSize)
	if p, err = s.judge0Authz(r, p, false); err != nil {
		return err
	}
	var owner int64
	if !p.seesAll() {
		owner = p.tokenID
	}
	if page > math.MaxInt32/perPage {
		return judge0BadRequest("invalid page: %d", page)
	}
	subs, total, err := s.store.SubmissionsPage(r.Context(), owner, (page-1)*perPage, perPage)
	if err != nil {
		return err
	}
	views, err := s.judge0Render(r.Context(), subs, b64, p)
	if err != nil {
		return err
	}
	items := make([]map[string]any, 0, len(views))
	for _, v := range views {
		item, err := pickJudge0(v, fields, b64)
		if err != nil {
			return err
		}
		items = append(items, item)
	}
	totalPages := int((total + int64(perPage) - 1) / int64(perPage))
	meta := map[string]any{"current_page": page, "next_page": nil, "prev_page": nil, "total_pages": totalPages, "total_count": total}
	if page < totalPages {
		meta["next_page"] = page + 1
	}
	if page > 1 {
		meta["prev_page"] = page - 1
	}
	writeJudge0(w, http.StatusOK, map[string]any{"submissions": items, "meta": meta})
	return nil
}

// judge0Authz applies Judge0's authorization: an X-Auth-User header must be an admin token,
// and becomes the principal. Without it, need says whether p itself must be an admin.
func (s *Server) judge0Authz(r *http.Request, p principal, need bool) (principal, error) {
	secret := strings.TrimSpace(r.Header.Get("X-Auth-User"))
	if secret == "" {
		if need && !p.isAdmin() {
			return p, errForbidden("this needs authorization: send X-Auth-User with an admin token (or authenticate as an admin)")
		}
		return p, nil
	}
	t, err := s.store.Authenticate(r.Context(), secret)
	if errors.Is(err, store.ErrNotFound) {
		return p, errForbidden("the X-Auth-User token is unknown or revoked")
	}
	if err != nil {
		return p, err
	}
	if t.Role != apiv1.RoleAdmin {
		return p, errForbidden("the X-Auth-User token is a %s token; authorization needs an admin token", t.Role)
	}
	return principal{tokenID: t.ID, name: t.Name, role: t.Role}, nil
}

func (s *Server) judge0Delete(w http.ResponseWriter, r *http.Request, p principal) error {
	fields, err := parseJudge0Fields(r.URL.Query().Get("fields"))
	if err != nil {
		return err
	}
	if p, err = s.judge0Authz(r, p, true); err != nil {
		return err
	}
	sub, err := s.loadVisible(r.Context(), r.PathValue("token"), p)
	if err != nil {
		return err
	}
	if sub.Status != apiv1.StatusDone {
		st := judge0StatusOf(sub)
		return judge0BadRequest("submission cannot be deleted because its status is %d (%s)", st.ID, st.Description)
	}
	// Judge0 answers a delete base64-encoded, so any output survives the trip.
	views, err := s.judge0Render(r.Context(), []store.Submission{sub}, true, p)
	if err != nil {
		return err
	}
	ok, err := s.store.DeleteDoneSubmission(r.Context(), sub.ID)
	if err != nil {
		return err
	}
	if !ok {
		return errNotFound("no submission %s", sub.ID)
	}
	v, err := pickJudge0(views[0], fields, true)
	if err != nil {
		return err
	}
	writeJudge0(w, http.StatusOK, v)
	return nil
}

func (s *Server) judge0BatchSubmit(w http.ResponseWriter, r *http.Request, p principal) error {
	b64, err := judge0Bool(r, "base64_encoded")
	if err != nil {
		return err
	}
	var body struct {
		Submissions []json.RawMessage `json:"submissions"`
	}
	if err := decodeJSON(w, r, s.limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	switch n := len(body.Submissions); {
	case n > judge0MaxBatch:
		return judge0BadRequest("number of submissions in a batch should be less than or equal to %d", judge0MaxBatch)
	case n == 0:
		return judge0BadRequest("there should be at least one submission in a batch")
	}
	out := make([]any, 0, len(body.Submissions))
	created := false
	for _, raw := range body.Submissions {
		var jr judge0Request
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&jr); err != nil {
			out = append(out, map[string][]string{"submission": {err.Error()}})
			continue
		}
		c, err := s.acceptJudge0(r.Context(), p, jr, b64, "")
		var inv judge0Invalid
		var ae *apiError
		switch {
		case err == nil:
			out = append(out, map[string]string{"token": c.ID})
			created = true
		case errors.As(err, &inv):
			out = append(out, inv.fe.judge0())
		case errors.As(err, &ae) && (ae.status == http.StatusUnprocessableEntity || ae.status == http.StatusRequestEntityTooLarge) && len(ae.fields) > 0:
			out = append(out, judge0FieldsOf(ae.fields).judge0())
		default:
			return err
		}
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusUnprocessableEntity
	}
	writeJudge0(w, status, out)
	return nil
}

func (s *Server) judge0BatchGet(w http.ResponseWriter, r *http.Request, p principal) error {
	b64, fields, err := judge0Output(r)
	if err != nil {
		return err
	}
	raw := r.Header.Get("tokens")
	if raw == "" {
		raw = r.URL.Query().Get("tokens")
	}
	var tokens []string
	if raw = strings.TrimSpace(raw); raw != "" {
		tokens = strings.Split(raw, ",")
	}
	switch n := len(tokens); {
	case n > judge0MaxBatch:
		return judge0BadRequest("number of submissions in a batch should be less than or equal to %d", judge0MaxBatch)
	case n == 0:
		return judge0BadRequest("there should be at least one submission in a batch")
	}
	out := make([]any, len(tokens))
	var subs []store.Submission
	var at []int
	for i, tk := range tokens {
		sub, err := s.loadVisible(r.Context(), strings.TrimSpace(tk), p)
		var ae *apiError
		if errors.As(err, &ae) && ae.status == http.StatusNotFound {
			continue // Judge0 answers null for a token it does not know
		}
		if err != nil {
			return err
		}
		subs, at = append(subs, sub), append(at, i)
	}
	views, err := s.judge0Render(r.Context(), subs, b64, p)
	if err != nil {
		return err
	}
	for k, v := range views {
		if out[at[k]], err = pickJudge0(v, fields, b64); err != nil {
			return err
		}
	}
	writeJudge0(w, http.StatusOK, map[string]any{"submissions": out})
	return nil
}
