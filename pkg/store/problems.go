package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// ProblemVersion is one version of a problem as stored.
type ProblemVersion struct {
	ID            int64
	Slug          string
	Name          string
	Version       int
	PackageSHA256 string
	Scoring       bool
	Interactive   bool
	// Limits are the version's own limits (time, memory, output).
	Limits Limits
	// Samples counts the sample (not hidden) tests; Tests counts all.
	Samples   int
	Tests     int
	CreatedAt time.Time
	// State is ProblemActive, ProblemCalibrating or ProblemRejected.
	State string
	// TimeLimitSource says where Limits.TimeMS came from: "package", "computed" or "default".
	TimeLimitSource string
	// Calibration is the server's run of the package's accepted submissions, when the time
	// limit was (or is being) computed; read by ProblemAt and PutProblem only.
	Calibration *Calibration
}

const problemColumns = `p.id, p.slug, p.version, p.name, p.package_sha256, p.scoring, p.interactive,
	p.time_limit_ms, p.memory_kb, p.output_kb, p.created_at, p.state, p.time_limit_source,
	(SELECT count(*) FILTER (WHERE NOT t.hidden) FROM testcases t WHERE t.problem_id = p.id),
	(SELECT count(*) FROM testcases t WHERE t.problem_id = p.id)`

func scanProblem(sc interface{ Scan(...any) error }) (ProblemVersion, error) {
	var p ProblemVersion
	err := sc.Scan(&p.ID, &p.Slug, &p.Version, &p.Name, &p.PackageSHA256, &p.Scoring, &p.Interactive,
		&p.Limits.TimeMS, &p.Limits.MemoryKB, &p.Limits.OutputKB, &p.CreatedAt, &p.State, &p.TimeLimitSource,
		&p.Samples, &p.Tests)
	return p, err
}

// currentOrder picks a problem's current version: the newest active one (what submissions are
// judged against), or the newest of all when none is active yet (calibrating or rejected).
const currentOrder = `(p.state = 'active') DESC, p.version DESC`

// LatestProblem returns the current version of the problem with this slug: its newest active
// version, or its newest version when none is active (State says why: calibrating, rejected).
func (s *Store) LatestProblem(ctx context.Context, slug string) (ProblemVersion, error) {
	p, err := scanProblem(s.db.QueryRowContext(ctx, `SELECT `+problemColumns+` FROM problems p
		WHERE p.slug = $1 ORDER BY `+currentOrder+` LIMIT 1`, slug))
	if err != nil {
		return ProblemVersion{}, fmt.Errorf("get problem %s: %w", slug, mapError(err))
	}
	return p, nil
}

// ProblemAt returns version of the problem with this slug, with its calibration when the
// server computed (or is computing) its time limit.
func (s *Store) ProblemAt(ctx context.Context, slug string, version int) (ProblemVersion, error) {
	p, err := scanProblem(s.db.QueryRowContext(ctx, `SELECT `+problemColumns+` FROM problems p
		WHERE p.slug = $1 AND p.version = $2`, slug, version))
	if err != nil {
		return ProblemVersion{}, fmt.Errorf("get problem %s version %d: %w", slug, version, mapError(err))
	}
	if p.Calibration, _, err = calibrationOf(ctx, s.db, p.ID); err != nil {
		return ProblemVersion{}, fmt.Errorf("get problem %s version %d: %w", slug, version, err)
	}
	return p, nil
}

// ListProblems returns the current version of every problem (LatestProblem), by slug.
func (s *Store) ListProblems(ctx context.Context) ([]ProblemVersion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT ON (p.slug) `+problemColumns+` FROM problems p
		ORDER BY p.slug, `+currentOrder)
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
	// PackageFile, when set, names a file holding it instead (an upload spooled to disk).
	Package     []byte
	PackageFile string
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
	// Calibration, when set, computes the time limit from the package's accepted submissions:
	// the version is stored 'calibrating' (TimeLimitMS is ignored).
	Calibration *NewCalibration
}

// NewTestcase is one test of a NewProblem: what listings show of it. Its data stays in the
// package archive, the one stored copy (workers load the archive by its hash).
type NewTestcase struct {
	Name   string
	Group  string
	Hidden bool
}

// PutProblem stores n as the next version of its slug, with its package as a content-addressed
// blob (the one copy of its test data; versions with the same package share it), unless the latest version has the same package hash and was not
// rejected: then it returns that version and created=false (a rejected one is calibrated anew,
// so a push can be retried or forced). Concurrent uploads of one slug are serialised.
func (s *Store) PutProblem(ctx context.Context, n NewProblem) (ProblemVersion, bool, error) {
	pkg := blob{data: n.Package, file: n.PackageFile}
	pkgHash, err := pkg.hash()
	if err != nil {
		return ProblemVersion{}, false, fmt.Errorf("put problem %s: %w", n.Slug, err)
	}
	settings := n.Settings
	if len(settings) == 0 {
		settings = []byte("{}")
	}
	var id int64
	created := false
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('judge.problem:' || $1))`, n.Slug); err != nil {
			return err
		}
		var latest int
		var latestHash, latestState string
		err := tx.QueryRowContext(ctx, `SELECT id, version, package_sha256, state FROM problems WHERE slug = $1
			ORDER BY version DESC LIMIT 1`, n.Slug).Scan(&id, &latest, &latestHash, &latestState)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if latestHash == pkgHash && latestState != ProblemRejected {
			return nil
		}
		if err := putBlob(ctx, tx, pkgHash, pkg); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO problems (slug, version, name, package_sha256, settings,
			time_limit_ms, memory_kb, output_kb, interactive, scoring)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			n.Slug, latest+1, n.Name, pkgHash, string(settings), n.TimeLimitMS, n.MemoryKB, n.OutputKB, n.Interactive, n.Scoring).
			Scan(&id); err != nil {
			return err
		}
		for i, tc := range n.Tests {
			if _, err := tx.ExecContext(ctx, `INSERT INTO testcases (problem_id, ordinal, name, test_group, hidden)
				VALUES ($1, $2, $3, $4, $5)`, id, i+1, tc.Name, tc.Group, tc.Hidden); err != nil {
				return err
			}
		}
		if n.Calibration != nil {
			if err := insertCalibration(ctx, tx, id, n.Slug, n.Calibration); err != nil {
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
	if p.Calibration, _, err = calibrationOf(ctx, s.db, id); err != nil {
		return ProblemVersion{}, false, fmt.Errorf("put problem %s: read back: %w", n.Slug, err)
	}
	return p, created, nil
}

// blobChunk is the size of one row of blob_chunks: large enough that a 1 GiB blob is a
// thousand rows, small enough that one statement's hex-encoded parameter stays a few MiB.
const blobChunk = 1 << 20

// blob is content to store by its hash: bytes in memory, or a file read in chunks.
type blob struct {
	data []byte
	file string
}

func (b blob) open() (io.ReadCloser, error) {
	if b.file == "" {
		return io.NopCloser(bytes.NewReader(b.data)), nil
	}
	return os.Open(b.file)
}

// hash is the blob's SHA-256, read in a stream.
func (b blob) hash() (string, error) {
	r, err := b.open()
	if err != nil {
		return "", fmt.Errorf("hash blob: %w", err)
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", fmt.Errorf("hash blob %s: %w", b.file, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// putBlob stores b under hash unless it is there. A blob up to blobChunk is one row of blobs;
// a larger one gets an empty blobs.data and its bytes in blob_chunks, written chunk by chunk so
// that neither this process nor one statement ever holds all of it.
func putBlob(ctx context.Context, tx *sql.Tx, hash string, b blob) error {
	r, err := b.open()
	if err != nil {
		return fmt.Errorf("store blob: %w", err)
	}
	defer r.Close()
	buf := make([]byte, blobChunk)
	n, err := io.ReadFull(r, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return fmt.Errorf("store blob %s: %w", hash, err)
	}
	if n < blobChunk {
		_, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, data) VALUES ($1, $2, $3)
			ON CONFLICT (sha256) DO NOTHING`, hash, n, buf[:n])
		return err
	}
	size := int64(len(b.data))
	if b.file != "" {
		fi, err := os.Stat(b.file)
		if err != nil {
			return fmt.Errorf("store blob %s: %w", hash, err)
		}
		size = fi.Size()
	}
	var inserted string
	err = tx.QueryRowContext(ctx, `INSERT INTO blobs (sha256, size, data) VALUES ($1, $2, ''::bytea)
		ON CONFLICT (sha256) DO NOTHING RETURNING sha256`, hash, size).Scan(&inserted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // stored before: content-addressed, so it is the same bytes
	}
	if err != nil {
		return err
	}
	for seq := 0; n > 0; seq++ {
		if _, err := tx.ExecContext(ctx, `INSERT INTO blob_chunks (sha256, seq, data) VALUES ($1, $2, $3)`, hash, seq, buf[:n]); err != nil {
			return fmt.Errorf("store blob %s chunk %d: %w", hash, seq, err)
		}
		n, err = io.ReadFull(r, buf)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return fmt.Errorf("store blob %s: %w", hash, err)
		}
	}
	return nil
}

// readBlob returns the bytes of a blob row: data itself, or its chunks when data is empty and
// size is not.
func readBlob(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, hash string, data []byte, size int64) ([]byte, error) {
	if int64(len(data)) == size {
		return data, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT data FROM blob_chunks WHERE sha256 = $1 ORDER BY seq`, hash)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", hash, mapError(err))
	}
	defer rows.Close()
	out := make([]byte, 0, size)
	for rows.Next() {
		var chunk []byte
		if err := rows.Scan(&chunk); err != nil {
			return nil, fmt.Errorf("read blob %s: %w", hash, mapError(err))
		}
		out = append(out, chunk...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read blob %s: %w", hash, mapError(err))
	}
	if int64(len(out)) != size {
		return nil, fmt.Errorf("read blob %s: %d bytes in chunks, want %d", hash, len(out), size)
	}
	return out, nil
}
