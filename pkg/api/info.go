package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// statsStore is what /v1/stats and the metrics need.
type statsStore interface {
	Stats(ctx context.Context) (store.Stats, error)
}

// pinger is what /readyz needs.
type pinger interface {
	Ping(ctx context.Context) error
}

// statsTTL: /v1/stats is read by dashboards every second or so, by many of them at once; one
// query per replica per statsTTL serves them all.
const statsTTL = time.Second

type statsCache struct {
	mu   sync.Mutex
	at   time.Time
	last apiv1.Stats
}

func (s *Server) getStats(w http.ResponseWriter, r *http.Request, _ principal) error {
	c := &s.stats
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) >= statsTTL {
		st, err := s.store.Stats(r.Context())
		if err != nil {
			return err
		}
		c.at, c.last = time.Now(), statsV1(st)
	}
	writeJSON(w, http.StatusOK, c.last)
	return nil
}

func (s *Server) listLanguages(w http.ResponseWriter, r *http.Request, _ principal) error {
	tab, _ := s.languages.get(r.Context())
	all := tab.All()
	out := apiv1.LanguageList{Items: make([]apiv1.Language, 0, len(all))}
	for _, l := range all {
		out.Items = append(out.Items, apiv1.Language{ID: l.ID, Name: l.Name, Extensions: l.Extensions, Compiled: l.Compiled(), Version: l.Version})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// healthz says the process is up; it touches nothing else, so a slow database does not get
// a live process restarted.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ principal) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz says whether this replica can serve: the database answers within 2 s. The body also
// carries the relays' health (slot, publication, repairs, reconciliation) for operators; it
// does not decide readiness, because an API replica serves whatever state the relay is in.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ principal) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		return errUnavailable
	}
	out := apiv1.Readiness{Status: "ready"}
	if hs, err := s.store.ListRelayHealth(ctx); err != nil {
		s.log.Warn("readyz: relay health", "err", err)
	} else {
		out.Relays = relayHealthWire(hs)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
