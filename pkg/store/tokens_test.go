package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

func TestTokens(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()

	tok, secret, err := s.CreateToken(ctx, "ci", "submitter")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, store.TokenPrefix) || len(secret) < 50 {
		t.Errorf("secret %q: want %s + 52 base32 characters", secret, store.TokenPrefix)
	}
	var stored int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM api_tokens WHERE token_hash = $1`, []byte(secret)).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("secret stored in clear: n=%d err=%v", stored, err)
	}
	got, err := s.Authenticate(ctx, secret)
	if err != nil || got.ID != tok.ID || got.Role != "submitter" || got.Name != "ci" {
		t.Fatalf("Authenticate = %+v, %v; want token %d", got, err, tok.ID)
	}
	if _, err := s.Authenticate(ctx, secret+"x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Authenticate(wrong) = %v, want ErrNotFound", err)
	}
	if _, _, err := s.CreateToken(ctx, "ci", "viewer"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate active name: %v, want ErrConflict", err)
	}
	for _, bad := range []struct{ name, role string }{{"", "admin"}, {"x", "root"}} {
		if _, _, err := s.CreateToken(ctx, bad.name, bad.role); err == nil {
			t.Errorf("CreateToken(%q, %q) succeeded", bad.name, bad.role)
		}
	}

	other, _, err := s.CreateToken(ctx, "ops", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeToken(ctx, "ci"); err != nil {
		t.Fatalf("revoke by name: %v", err)
	}
	if _, err := s.Authenticate(ctx, secret); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked token still authenticates: %v", err)
	}
	if _, err := s.RevokeToken(ctx, "ci"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second revoke: %v, want ErrNotFound", err)
	}
	if r, err := s.RevokeToken(ctx, strconv.FormatInt(other.ID, 10)); err != nil || r.Name != "ops" || r.RevokedAt == nil {
		t.Errorf("revoke by id = %+v, %v", r, err)
	}
	// The name is free again once revoked.
	if _, _, err := s.CreateToken(ctx, "ci", "viewer"); err != nil {
		t.Errorf("reuse revoked name: %v", err)
	}
	list, err := s.ListTokens(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("ListTokens = %d tokens, %v; want 3", len(list), err)
	}
	if list[0].RevokedAt == nil || list[2].RevokedAt != nil {
		t.Errorf("revocation not listed: %+v", list)
	}
}
