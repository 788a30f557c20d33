package api

import (
	"net/http"
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
	s.route(mux, "GET /healthz", nil, s.healthz)
	s.route(mux, "GET /readyz", nil, s.readyz)
	s.routes = append(s.routes, "GET /metrics")
	mux.Handle("GET /metrics", s.metricsHandler())
	// Everything else is a problem+json 404 rather than the mux's plain text.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, errNotFound("no route %s %s; see api/openapi.yaml", r.Method, r.URL.Path))
	})
	return s.observe(mux)
}
