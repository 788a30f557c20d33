package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLockKey is the pg_advisory_lock key that serializes migrations across processes
// ("judge" in ASCII), so replicas may start at the same moment.
const migrateLockKey = 0x6a75646765

// Migration is one embedded schema change, identified by the number its file name starts with.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and '_'", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, name, v)
		}
		seen[v] = name
		b, err := migrationFS.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// MigrateResult says what Migrate did.
type MigrateResult struct {
	// Applied lists the migrations applied by this call, in order.
	Applied []string
	// Version is the schema version after the call.
	Version int
}

// Migrate applies every embedded migration the database has not seen yet, each in its own
// transaction, under a session advisory lock so concurrent callers wait for each other instead
// of racing. Migrations are forward-only.
func Migrate(ctx context.Context, db *sql.DB) error {
	_, err := MigrateReport(ctx, db)
	return err
}

// MigrateReport is Migrate, also reporting what it applied.
func MigrateReport(ctx context.Context, db *sql.DB) (MigrateResult, error) {
	var res MigrateResult
	ms, err := Migrations()
	if err != nil {
		return res, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate: get connection: %w", mapError(err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey); err != nil {
		return res, fmt.Errorf("migrate: take advisory lock: %w", mapError(err))
	}
	defer func() {
		// The lock is a session lock: release it even when ctx is done, or the pooled
		// connection would keep holding it.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockKey)
	}()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    int         PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return res, fmt.Errorf("migrate: create schema_migrations: %w", mapError(err))
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return res, fmt.Errorf("migrate: read schema_migrations: %w", mapError(err))
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return res, fmt.Errorf("migrate: read schema_migrations: %w", err)
		}
		applied[v] = true
		res.Version = max(res.Version, v)
	}
	if err := rows.Close(); err != nil {
		return res, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := applyMigration(ctx, conn, m); err != nil {
			return res, err
		}
		res.Applied = append(res.Applied, m.Name)
		res.Version = max(res.Version, m.Version)
	}
	return res, nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", m.Name, mapError(err))
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, mapError(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return fmt.Errorf("migration %s: record: %w", m.Name, mapError(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.Name, mapError(err))
	}
	return nil
}
