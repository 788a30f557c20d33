package store

import (
	"context"
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
