// Package storetest gives tests a migrated store on a fresh database of the local stack.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/store"
)

// New returns a store on a new, fully migrated database that is dropped at cleanup. It skips
// (or fails, under JUDGE_REQUIRE_STACK=1) when PostgreSQL is not running.
func New(t testing.TB) *store.Store {
	t.Helper()
	dsn := testenv.Postgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	// Registered after testenv's drop, so it runs first: the pool must be closed before the
	// database is dropped.
	t.Cleanup(func() { s.Close() })
	if err := store.Migrate(ctx, s.DB()); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
	return s
}
