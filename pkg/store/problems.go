package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// ProblemVersion is the latest version of a problem as stored.
type ProblemVersion struct {
	apiv1.Problem
	ID            int64
	PackageSHA256 string
}

const problemColumns = `p.id, p.slug, p.version, p.name, p.package_sha256, p.scoring, p.interactive,
	p.time_limit_ms, p.memory_kb, p.output_kb, p.created_at,
	(SELECT count(*) FILTER (WHERE NOT t.hidden) FROM testcases t WHERE t.problem_id = p.id),
	(SELECT count(*) FROM testcases t WHERE t.problem_id = p.id)`

func scanProblem(sc interface{ Scan(...any) error }) (ProblemVersion, error) {
	var p ProblemVersion
	var scoring bool
	err := sc.Scan(&p.ID, &p.Slug, &p.Version, &p.Name, &p.PackageSHA256, &scoring, &p.Interactive,
		&p.Limits.TimeMS, &p.Limits.MemoryKB, &p.Limits.OutputKB, &p.CreatedAt, &p.Samples, &p.Tests)
	p.Type = "pass-fail"
	if scoring {
		p.Type = "scoring"
	}
	return p, err
}

// LatestProblem returns the newest version of the problem with this slug.
func (s *Store) LatestProblem(ctx context.Context, slug string) (ProblemVersion, error) {
	p, err := scanProblem(s.db.QueryRowContext(ctx, `SELECT `+problemColumns+` FROM problems p
		WHERE p.slug = $1 ORDER BY p.version DESC LIMIT 1`, slug))
	if err != nil {
		return ProblemVersion{}, fmt.Errorf("get problem %s: %w", slug, mapError(err))
	}
	return p, nil
}

// ListProblems returns the newest version of every problem, by slug.
func (s *Store) ListProblems(ctx context.Context) ([]ProblemVersion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+problemColumns+` FROM problems p
		WHERE p.version = (SELECT max(version) FROM problems q WHERE q.slug = p.slug) ORDER BY p.slug`)
	if err != nil {
		return nil, fmt.Errorf("list problems: %w", mapError(err))
	}
	defer rows.Close()
	var out []ProblemVersion
	for rows.Next() {
		p, err := scanProblem(rows)
		if err != nil {
			return nil, fmt.Errorf("list problems: %w", mapError(err))
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list problems: %w", mapError(err))
	}
	return out, nil
}

// NewProblem is an uploaded, validated problem package, flattened for storage.
type NewProblem struct {
	Slug string
	Name string
	// Package is the archive as uploaded; its SHA-256 decides whether this is a new version.
	Package []byte
	// Settings holds what the worker needs besides the test data (validator flags, group
	// settings, limits not in columns), as JSON.
	Settings    []byte
	TimeLimitMS int
	MemoryKB    int64
	OutputKB    int64
	Interactive bool
	Scoring     bool
	// Tests in judging order.
	Tests []NewTestcase
}

// NewTestcase is one test of a NewProblem.
type NewTestcase struct {
	Name   string
	Group  string
	Hidden bool
	Input  []byte
	Answer []byte
}

// PutProblem stores n as the next version of its slug, with its package and test data as
// content-addressed blobs, unless the latest version has the same package hash: then it returns
// that version and created=false. Concurrent uploads of one slug are serialised.
func (s *Store) PutProblem(ctx context.Context, n NewProblem) (ProblemVersion, bool, error) {
	pkgHash := sha256Hex(n.Package)
	settings := n.Settings
	if len(settings) == 0 {
		settings = []byte("{}")
	}
	var id int64
	created := false
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('judge.problem:' || $1))`, n.Slug); err != nil {
			return err
		}
		var latest int
		var latestHash string
		err := tx.QueryRowContext(ctx, `SELECT id, version, package_sha256 FROM problems WHERE slug = $1
			ORDER BY version DESC LIMIT 1`, n.Slug).Scan(&id, &latest, &latestHash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if latestHash == pkgHash {
			return nil
		}
		if err := putBlob(ctx, tx, pkgHash, n.Package); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO problems (slug, version, name, package_sha256, settings,
			time_limit_ms, memory_kb, output_kb, interactive, scoring)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			n.Slug, latest+1, n.Name, pkgHash, settings, n.TimeLimitMS, n.MemoryKB, n.OutputKB, n.Interactive, n.Scoring).
			Scan(&id); err != nil {
			return err
		}
		for i, tc := range n.Tests {
			in, ans := sha256Hex(tc.Input), sha256Hex(tc.Answer)
			if err := putBlob(ctx, tx, in, tc.Input); err != nil {
				return err
			}
			if err := putBlob(ctx, tx, ans, tc.Answer); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO testcases (problem_id, ordinal, name, test_group, hidden,
				input_sha256, answer_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				id, i+1, tc.Name, tc.Group, tc.Hidden, in, ans); err != nil {
				return err
			}
		}
		created = true
		return nil
	})
	if err != nil {
		return ProblemVersion{}, false, fmt.Errorf("put problem %s: %w", n.Slug, err)
	}
	p, err := scanProblem(s.db.QueryRowContext(ctx, `SELECT `+problemColumns+` FROM problems p WHERE p.id = $1`, id))
	if err != nil {
		return ProblemVersion{}, false, fmt.Errorf("put problem %s: read back: %w", n.Slug, mapError(err))
	}
	return p, created, nil
}

func putBlob(ctx context.Context, tx *sql.Tx, hash string, data []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, data) VALUES ($1, $2, $3)
		ON CONFLICT (sha256) DO NOTHING`, hash, len(data), data)
	return err
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
