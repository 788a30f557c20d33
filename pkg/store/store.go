// Package store owns the judge's PostgreSQL access: opening the database, the embedded SQL
// migrations, transactions, the mapping of driver errors to ErrNotFound / ErrConflict /
// ErrUnavailable, and the queries of the API (tokens, with a short-lived cache of the valid ones,
// submissions, problems, events, stats).
// Other roles add their own query files here (worker.go, relay.go, reaper.go); everything goes
// through database/sql and lib/pq.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "github.com/lib/pq" // registers the "postgres" driver
)

// Store is a handle on the judge's database. It is safe for concurrent use.
type Store struct {
	db    *sql.DB
	dsn   string
	stmts *stmtCache
	// tokens caches Authenticate's answers for valid tokens; nil caches nothing.
	tokens *tokenCache
}

// Open connects to the database at dsn and checks that it answers. A connection failure is
// reported as "cannot connect to HOST: REASON" and matches ErrUnavailable.
//
// Parameters are sent in lib/pq's binary_parameters mode unless dsn says otherwise: a statement
// with arguments then takes one round trip (and one implicit transaction) instead of a separate
// prepare and execute. In that mode a []byte argument is sent in binary format, which suits
// bytea and text but not jsonb: pass JSON as a string.
func Open(ctx context.Context, dsn string) (*Store, error) {
	db, err := sql.Open("postgres", withBinaryParameters(dsn))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// A handful of connections serves an API or a worker; PostgreSQL's default limit is 100
	// and several processes share it.
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, connectError(dsn, err)
	}
	return &Store{db: db, dsn: dsn, stmts: &stmtCache{m: map[string]*sql.Stmt{}},
		tokens: newTokenCache(DefaultTokenCacheTTL, tokenCacheSize, time.Now)}, nil
}

// DB is the underlying pool, for query files of other roles.
func (s *Store) DB() *sql.DB { return s.db }

// DSN is the connection string the store was opened with; LISTEN needs its own connection.
func (s *Store) DSN() string { return s.dsn }

// Close closes the pool.
func (s *Store) Close() error {
	s.stmts.close()
	return s.db.Close()
}

// stmtCache holds the prepared statements of the per-submission hot path. PostgreSQL then parses
// and plans each once per connection instead of on every call.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// prepared returns q prepared, or nil when it cannot be prepared now (the caller then runs it
// unprepared, and gets whatever error that gives).
func (s *Store) prepared(ctx context.Context, q string) *sql.Stmt {
	c := s.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.m[q] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		_ = st.Close() // the pool closes next; nothing to do about a failure
		delete(c.m, q)
	}
}

// hotQueryRow runs a hot-path statement, prepared, in tx or (tx nil) on the pool.
func (s *Store) hotQueryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if st := s.prepared(ctx, q); st != nil {
		if tx != nil {
			return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
		}
		return st.QueryRowContext(ctx, args...)
	}
	if tx != nil {
		return tx.QueryRowContext(ctx, q, args...)
	}
	return s.db.QueryRowContext(ctx, q, args...)
}

// hotExec is hotQueryRow for a statement without rows, in tx.
func (s *Store) hotExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st := s.prepared(ctx, q); st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// hotQuery is hotQueryRow for a statement with many rows, on the pool.
func (s *Store) hotQuery(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := s.prepared(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.db.QueryContext(ctx, q, args...)
}

// Ping reports whether the database answers; the error matches ErrUnavailable when it does not.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", mapError(err))
	}
	return nil
}

// Tx runs fn in a transaction, committing when fn returns nil and rolling back otherwise.
// The returned error is mapped (ErrConflict, ErrNotFound, ErrUnavailable) whether it came from
// fn or from the commit.
func (s *Store) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", mapError(err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the transaction failed already; fn's error is the one that matters
		return mapError(err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapError(err))
	}
	return nil
}

// withBinaryParameters adds binary_parameters=yes to a URL or key=value DSN that does not set it.
func withBinaryParameters(dsn string) string {
	if strings.Contains(dsn, "binary_parameters") {
		return dsn
	}
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn + " binary_parameters=yes")
}
