package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// problemStore is what the problem routes need.
type problemStore interface {
	LatestProblem(ctx context.Context, slug string) (store.ProblemVersion, error)
	ListProblems(ctx context.Context) ([]store.ProblemVersion, error)
}

func (s *Server) listProblems(w http.ResponseWriter, r *http.Request, _ principal) error {
	ps, err := s.store.ListProblems(r.Context())
	if err != nil {
		return err
	}
	out := apiv1.ProblemList{Items: make([]apiv1.Problem, 0, len(ps))}
	for _, p := range ps {
		out.Items = append(out.Items, p.Problem)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getProblem(w http.ResponseWriter, r *http.Request, _ principal) error {
	slug := r.PathValue("slug")
	p, err := s.store.LatestProblem(r.Context(), slug)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("no problem %q; GET /v1/problems lists them", slug)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p.Problem)
	return nil
}

func (s *Server) putProblem(w http.ResponseWriter, r *http.Request, _ principal) error {
	return &apiError{status: http.StatusNotImplemented, typ: apiv1.ErrTypeInternal, title: "Not implemented",
		detail: "problem upload is not available on this server yet"}
}
