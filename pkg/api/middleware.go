package api

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"
)

// recorder remembers the status a handler wrote, for logs and metrics. Unwrap lets
// http.ResponseController reach Flush on the real writer (SSE needs it).
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := r.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("hijack not supported")
}

// observe wraps the mux: it recovers panics into a 500 problem+json, logs each request and
// records its latency by route pattern and status.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					e, _ := toAPIError(fmt.Errorf("panic: %v", v))
					writeProblem(rec, e)
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Observe(d.Seconds())
			level := slog.LevelInfo
			if route == "GET /healthz" || route == "GET /readyz" || route == "GET /metrics" {
				level = slog.LevelDebug
			}
			s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "route", route,
				"status", status, "bytes", rec.bytes, "duration", d.Round(time.Microsecond), "remote", r.RemoteAddr)
		}()
		next.ServeHTTP(rec, r)
	})
}

// handlerFunc is a route's handler: it writes a success answer itself and returns errors,
// which become problem+json.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p principal) error

// route registers pattern, authenticating callers against roles (nil: no auth).
func (s *Server) route(mux *http.ServeMux, pattern string, roles []string, h handlerFunc) {
	s.routes = append(s.routes, pattern)
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		var p principal
		var err error
		if e := checkRequestStrings(r); e != nil {
			err = e
		} else if roles != nil {
			p, err = s.authenticate(r, roles)
		}
		if err == nil {
			err = h(w, r, p)
		}
		if err == nil {
			return
		}
		if r.Context().Err() != nil {
			return // the client went away; nobody is left to answer
		}
		e, internal := toAPIError(err)
		if internal {
			s.log.Error("request failed", "route", pattern, "err", err)
		} else if e.status == http.StatusServiceUnavailable {
			s.log.Warn("request failed: unavailable", "route", pattern, "err", err)
		}
		writeProblem(w, e)
	})
}
