package api

import (
	"fmt"
	"net/http"
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
	s.route(mux, "POST /judge0/submissions", submitters, s.judge0Submit)
	s.route(mux, "GET /judge0/submissions/{token}", readers, s.judge0Get)
	s.route(mux, "GET /judge0/languages", readers, s.judge0Languages)
	s.route(mux, "GET /healthz", nil, s.healthz)
	s.route(mux, "GET /readyz", nil, s.readyz)
	s.routes = append(s.routes, "GET /metrics")
	mux.Handle("GET /metrics", s.metricsHandler())
	// A known path with another method is a problem+json 405 naming the allowed ones (a pattern
	// without a method loses to the ones with); everything else is a problem+json 404.
	allowed := map[string][]string{}
	for _, rt := range s.routes {
		method, path, _ := strings.Cut(rt, " ")
		allowed[path] = append(allowed[path], method)
	}
	for path, methods := range allowed {
		allow := strings.Join(methods, ", ")
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeProblem(w, &apiError{status: http.StatusMethodNotAllowed, typ: apiv1.ErrTypeMethodNotAllowed,
				title: "Method not allowed", detail: fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, allow)})
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, errNotFound("no route %s %s; see api/openapi.yaml", r.Method, r.URL.Path))
	})
	return s.observe(mux)
}
