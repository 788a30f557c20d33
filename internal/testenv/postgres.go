package testenv

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres creates a new empty database on the stack's PostgreSQL and returns its DSN (same form
// as JUDGE_DATABASE_URL). At cleanup the database is dropped, together with any replication
// slots that belong to it (their walsenders are terminated first).
func Postgres(t testing.TB) string {
	t.Helper()
	s := settingsOrSkip(t)
	if s.DatabaseURL == "" {
		unavailable(t, "postgres: JUDGE_DATABASE_URL is not set and no stack.env found: run `make stack`")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, s.DatabaseURL)
	if err != nil {
		unavailable(t, "postgres: connect %s (from %s): %v; run `make stack`", redact(s.DatabaseURL), s.Source, err)
	}
	defer admin.Close(context.Background())

	name := uniqueName("judge_test_")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("postgres: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(s.DatabaseURL, name); err != nil {
			t.Errorf("postgres: cleanup: %v", err)
		}
	})
	dsn, err := withDatabase(s.DatabaseURL, name)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	return dsn
}

// dropDatabase removes name and its replication slots. A slot held by a walsender cannot be
// dropped, and the walsender may take a moment to exit after it is terminated, so this retries.
func dropDatabase(adminDSN, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return fmt.Errorf("connect to drop %s: %w", name, err)
	}
	defer conn.Close(context.Background())

	for {
		_, err := conn.Exec(ctx, `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
			WHERE database = $1 AND active_pid IS NOT NULL`, name)
		if err == nil {
			_, err = conn.Exec(ctx, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
				WHERE database = $1 AND NOT active`, name)
		}
		var left int
		if err == nil {
			err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_replication_slots WHERE database = $1`, name).Scan(&left)
		}
		if err == nil && left == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("drop replication slots of %s: %d left, last error: %v", name, left, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// withDatabase returns dsn pointing at database name instead, keeping every other parameter.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse database URL %s: %w", redact(dsn), err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// key=value form: a later dbname wins in libpq, lib/pq and pgx alike.
	return dsn + " dbname=" + name, nil
}

// redact hides a password in a URL DSN so it can be printed.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return u.Redacted()
}
