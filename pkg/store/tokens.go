package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TokenPrefix starts every API token, so a leaked one is easy to recognise (and to grep for).
const TokenPrefix = "jdg_"

// Token is a stored API token; the secret itself is never stored, only its SHA-256.
type Token struct {
	ID        int64
	Name      string
	Role      string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// HashToken is what api_tokens.token_hash holds for a secret.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// ValidRole reports whether role is one of the roles a token may have.
func ValidRole(role string) bool {
	switch role {
	case RoleAdmin, RoleSubmitter, RoleViewer:
		return true
	}
	return false
}

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// CreateToken stores a new token and returns it with its secret, which cannot be recovered later.
// A name already used by an active token is an ErrConflict: revoke uses names.
func (s *Store) CreateToken(ctx context.Context, name, role string) (Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Token{}, "", errors.New("token name must not be empty")
	}
	if !ValidRole(role) {
		return Token{}, "", fmt.Errorf("token role %q: want admin, submitter or viewer", role)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Token{}, "", fmt.Errorf("generate token: %w", err)
	}
	secret := TokenPrefix + strings.ToLower(tokenEncoding.EncodeToString(raw[:]))
	t := Token{Name: name, Role: role}
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		// Serialise creators so two cannot both pass the name check.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE api_tokens IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM api_tokens WHERE name = $1 AND revoked_at IS NULL`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &mappedError{kind: ErrConflict, err: fmt.Errorf("an active token named %q exists; revoke it first or pick another name", name)}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO api_tokens (name, role, token_hash) VALUES ($1, $2, $3)
			RETURNING id, created_at`, name, role, HashToken(secret)).Scan(&t.ID, &t.CreatedAt)
	})
	if err != nil {
		return Token{}, "", fmt.Errorf("create token %q: %w", name, err)
	}
	return t, secret, nil
}

// ListTokens returns every token, revoked ones included, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, role, created_at, revoked_at FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", mapError(err))
	}
	defer rows.Close()
	var ts []Token
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt, &t.RevokedAt); err != nil {
			return nil, fmt.Errorf("list tokens: %w", mapError(err))
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", mapError(err))
	}
	return ts, nil
}

// RevokeToken revokes the active token with the given name, or with the given numeric id.
// It returns ErrNotFound when no active token matches. This store stops accepting the token at
// once; other processes within their token cache's TTL (see SetTokenCacheTTL).
func (s *Store) RevokeToken(ctx context.Context, nameOrID string) (Token, error) {
	id, _ := strconv.ParseInt(nameOrID, 10, 64) // 0, never an id, when it is a name
	var t Token
	var hash []byte
	err := s.db.QueryRowContext(ctx, `UPDATE api_tokens SET revoked_at = now()
		WHERE (name = $1 OR id = $2) AND revoked_at IS NULL
		RETURNING id, name, role, created_at, revoked_at, token_hash`, nameOrID, id).
		Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt, &t.RevokedAt, &hash)
	if err != nil {
		return Token{}, fmt.Errorf("revoke token %s: %w", nameOrID, mapError(err))
	}
	if len(hash) == sha256.Size {
		s.tokens.forget([sha256.Size]byte(hash))
	}
	return t, nil
}

// Authenticate finds the active token whose secret is given; ErrNotFound when it is unknown or
// revoked. A token found is trusted for the token cache's TTL without asking again (see
// SetTokenCacheTTL); an unknown one is asked about every time, so it is never cached.
func (s *Store) Authenticate(ctx context.Context, secret string) (Token, error) {
	hash := [sha256.Size]byte(HashToken(secret))
	if t, ok := s.tokens.get(hash); ok {
		return t, nil
	}
	gen := s.tokens.begin()
	var t Token
	err := s.hotQueryRow(ctx, nil, `SELECT id, name, role, created_at FROM api_tokens
		WHERE token_hash = $1 AND revoked_at IS NULL`, hash[:]).Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt)
	if err != nil {
		return Token{}, fmt.Errorf("authenticate: %w", mapError(err))
	}
	s.tokens.put(gen, hash, t)
	return t, nil
}
