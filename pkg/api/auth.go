package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// tokenStore is what authentication needs.
type tokenStore interface {
	Authenticate(ctx context.Context, secret string) (store.Token, error)
}

// principal is the caller of a request, as its bearer token says.
type principal struct {
	tokenID int64
	name    string
	role    string
}

func (p principal) isAdmin() bool { return p.role == apiv1.RoleAdmin }

// seesAll reports whether p may read everyone's submissions (a submitter sees only its own).
func (p principal) seesAll() bool { return p.role != apiv1.RoleSubmitter }

var (
	readers    = []string{apiv1.RoleAdmin, apiv1.RoleSubmitter, apiv1.RoleViewer}
	submitters = []string{apiv1.RoleAdmin, apiv1.RoleSubmitter}
	admins     = []string{apiv1.RoleAdmin}
)

// authenticate resolves the bearer token of r and checks its role is one of allowed.
func (s *Server) authenticate(r *http.Request, allowed []string) (principal, error) {
	h := r.Header.Get("Authorization")
	if t := r.Header.Get("X-Auth-Token"); h == "" && t != "" {
		h = "Bearer " + t // Judge0's header
	}
	if u := r.Header.Get("X-Auth-User"); h == "" && u != "" {
		h = "Bearer " + u // Judge0's authorization header alone: the admin token authenticates too
	}
	if h == "" {
		return principal{}, errUnauthorized("missing Authorization header: send `Authorization: Bearer <token>` (create one with `judged token create`)")
	}
	scheme, secret, ok := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return principal{}, errUnauthorized("Authorization header must be `Bearer <token>`")
	}
	if len(secret) > maxTokenBytes || strings.ContainsFunc(secret, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
		// Never a token this server issued; refused before it costs a database round trip.
		return principal{}, errUnauthorized(fmt.Sprintf("the token is not one this server issues (at most %d printable ASCII characters)", maxTokenBytes))
	}
	t, err := s.store.Authenticate(r.Context(), secret)
	if errors.Is(err, store.ErrNotFound) {
		return principal{}, errUnauthorized("the token is unknown or revoked")
	}
	if err != nil {
		return principal{}, err
	}
	p := principal{tokenID: t.ID, name: t.Name, role: t.Role}
	if !slices.Contains(allowed, p.role) {
		return principal{}, errForbidden("a %s token cannot do this; it needs one of: %s", p.role, strings.Join(allowed, ", "))
	}
	return p, nil
}
