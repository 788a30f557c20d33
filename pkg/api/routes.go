package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// Store is everything the handlers need from the database; *store.Store satisfies it. Each
// handler file declares the part it uses.
type Store interface {
	tokenStore
	submissionStore
	eventStore
	statsStore
	problemStore
	pinger
	relayHealthStore
	judge0Store
	languageStore
}

func (s *Server) routesHandler() http.Handler {
	mux := http.NewServeMux()
	s.route(mux, "POST /v1/submissions", submitters, s.createSubmission)
	s.route(mux, "GET /v1/submissions", readers, s.listSubmissions)
	s.route(mux, "GET /v1/submissions/{id}", readers, s.getSubmission)
	s.route(mux, "GET /v1/submissions/{id}/events", readers, s.submissionEvents)
	s.route(mux, "GET /v1/stats", readers, s.getStats)
	s.route(mux, "GET /v1/languages", readers, s.listLanguages)
	s.route(mux, "GET /v1/problems", readers, s.listProblems)
	s.route(mux, "GET /v1/problems/{slug}", readers, s.getProblem)
	s.route(mux, "PUT /v1/problems/{slug}", admins, s.putProblem)
	s.route(mux, "GET /v1/problems/{slug}/versions/{version}", readers, s.getProblemVersion)
	s.judge0Routes(mux)
	s.route(mux, "GET /healthz", nil, s.healthz)
	s.route(mux, "GET /readyz", nil, s.readyz)
	s.routes = append(s.routes, "GET /metrics")
	mux.Handle("GET /metrics", s.metricsHandler())
	// A known path with another method is a problem+json 405 naming the allowed ones;
	// everything else is a problem+json 404. The 405s are registered per method: a pattern
	// without one would conflict with a more specific path of another method
	// (/judge0/submissions/batch against /judge0/submissions/{token}).
	allowed := map[string][]string{}
	for _, rt := range s.routes {
		method, path, _ := strings.Cut(rt, " ")
		allowed[path] = append(allowed[path], method)
	}
	for path, methods := range allowed {
		allow := strings.Join(methods, ", ")
		notAllowed := func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeProblem(w, &apiError{status: http.StatusMethodNotAllowed, typ: apiv1.ErrTypeMethodNotAllowed,
				title: "Method not allowed", detail: fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, allow)})
		}
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
			http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace} {
			if slices.Contains(methods, m) || (m == http.MethodHead && slices.Contains(methods, http.MethodGet)) {
				continue
			}
			mux.HandleFunc(m+" "+path, notAllowed)
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, errNotFound("no route %s %s; see api/openapi.yaml", r.Method, r.URL.Path))
	})
	return s.observe(mux)
}
