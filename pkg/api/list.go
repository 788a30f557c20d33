package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// cursor encodes a keyset position opaquely; clients pass it back unchanged.
type cursor struct {
	T  int64  `json:"t"`
	ID string `json:"i"`
}

func encodeCursor(sub store.Submission) string {
	b, _ := json.Marshal(cursor{T: sub.CreatedAt.UnixMicro(), ID: sub.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*store.Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || !uuidRE.MatchString(c.ID) {
		return nil, errBadRequest("?cursor= is not a cursor this server issued; pass next_cursor back unchanged")
	}
	return &store.Cursor{CreatedAt: time.UnixMicro(c.T), ID: c.ID}, nil
}

func (s *Server) listSubmissions(w http.ResponseWriter, r *http.Request, p principal) error {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "problem", "status", "verdict", "owner", "cursor", "limit":
		default:
			return errBadRequest("unknown query parameter %q; filters are problem, status, verdict, owner, cursor, limit", k)
		}
	}
	f := store.ListFilter{Problem: q.Get("problem"), Status: q.Get("status"), Verdict: q.Get("verdict"), Owner: q.Get("owner"), Limit: 20}
	var fields []apiv1.FieldError
	switch f.Status {
	case "", apiv1.StatusQueued, apiv1.StatusRunning, apiv1.StatusDone:
	default:
		fields = append(fields, apiv1.FieldError{Field: "status", Message: "want queued, running or done"})
	}
	switch f.Verdict {
	case "", apiv1.VerdictAC, apiv1.VerdictWA, apiv1.VerdictTLE, apiv1.VerdictMLE, apiv1.VerdictOLE,
		apiv1.VerdictRE, apiv1.VerdictCE, apiv1.VerdictIE, apiv1.VerdictPA:
	default:
		fields = append(fields, apiv1.FieldError{Field: "verdict", Message: "want AC, WA, TLE, MLE, OLE, RE, CE, IE or PA"})
	}
	if f.Problem != "" && !slugRE.MatchString(f.Problem) {
		fields = append(fields, apiv1.FieldError{Field: "problem", Message: "not a problem slug: use " + slugRule})
	}
	if p := nameProblem(f.Owner, maxNameBytes); p != "" {
		fields = append(fields, apiv1.FieldError{Field: "owner", Message: p})
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.limits.MaxPageSize {
			fields = append(fields, apiv1.FieldError{Field: "limit", Message: fmt.Sprintf("want 1 to %d", s.limits.MaxPageSize)})
		}
		f.Limit = n
	}
	if len(fields) > 0 {
		return &apiError{status: http.StatusBadRequest, typ: apiv1.ErrTypeValidation, title: "Invalid filter", detail: "see errors", fields: fields}
	}
	if c := q.Get("cursor"); c != "" {
		cur, err := decodeCursor(c)
		if err != nil {
			return err
		}
		f.After = cur
	}
	if !p.seesAll() {
		f.OwnerTokenID = p.tokenID
	}
	want := f.Limit
	f.Limit++ // one more tells whether there is a next page
	subs, err := s.store.ListSubmissions(r.Context(), f)
	if err != nil {
		return err
	}
	out := apiv1.SubmissionList{Items: make([]apiv1.Submission, 0, min(len(subs), want))}
	for i, sub := range subs {
		if i == want {
			out.NextCursor = encodeCursor(subs[i-1])
			break
		}
		out.Items = append(out.Items, view(sub, false))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
