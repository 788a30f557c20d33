package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestVersionsShareAPackageByHash: versions whose packages are the same bytes (a revert, or
// the same package under two slugs) name one archive by its hash, each with its own limits.
func TestVersionsShareAPackageByHash(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	x, y := []byte("archive x"), []byte("archive y")
	put := func(slug string, pkg []byte, timeMS int) store.ProblemVersion {
		t.Helper()
		p, created, err := s.PutProblem(ctx, store.NewProblem{Slug: slug, Name: slug, Package: pkg, TimeLimitMS: timeMS, MemoryKB: 1024, OutputKB: 64,
			Tests: []store.NewTestcase{{Name: "sample/1", Group: "sample"}, {Name: "secret/1", Group: "secret", Hidden: true}}})
		if err != nil || !created {
			t.Fatalf("put %s: created=%v %v", slug, created, err)
		}
		if p.Samples != 1 || p.Tests != 2 {
			t.Fatalf("put %s: %d samples, %d tests; want 1 and 2", slug, p.Samples, p.Tests)
		}
		return p
	}
	v1 := put("a", x, 1000)
	put("a", y, 1000)
	v3 := put("a", x, 2000) // a revert: a new version with v1's package
	other := put("b", x, 3000)
	for _, c := range []struct {
		p      store.ProblemVersion
		timeMS int
	}{{v1, 1000}, {v3, 2000}, {other, 3000}} {
		ref, err := s.ProblemPackageRef(ctx, c.p.ID)
		if err != nil || ref.SHA256 != sha(x) || ref.TimeLimitMS != c.timeMS || ref.MemoryKB != 1024 || ref.OutputKB != 64 {
			t.Errorf("ref of %s v%d = %+v, %v; want hash %s and a %d ms time limit", c.p.Slug, c.p.Version, ref, err, sha(x), c.timeMS)
		}
		if c.p.PackageSHA256 != sha(x) {
			t.Errorf("%s v%d lists package %s, want %s", c.p.Slug, c.p.Version, c.p.PackageSHA256, sha(x))
		}
	}
	got, err := s.PackageArchive(ctx, sha(x))
	if err != nil || !bytes.Equal(got, x) {
		t.Errorf("PackageArchive = %q, %v; want %q", got, err, x)
	}
	var blobs int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM blobs`).Scan(&blobs); err != nil || blobs != 2 {
		t.Errorf("%d blobs (%v), want 2: one per distinct package", blobs, err)
	}
	if _, err := s.PackageArchive(ctx, sha([]byte("never stored"))); err == nil {
		t.Error("PackageArchive of an unknown hash succeeded")
	}
	if _, err := s.ProblemPackageRef(ctx, other.ID+100); err == nil {
		t.Error("ProblemPackageRef of an unknown version succeeded")
	}
}

// TestMigrationDropsPerTestData: a database written before migration 0009 (each test's input
// and answer stored as blobs besides the package) keeps its problem versions, their listings
// and packages; the per-test blobs, their chunks and the columns naming them are gone.
func TestMigrationDropsPerTestData(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db := s.DB()
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version int PRIMARY KEY, name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, m := range ms {
		if m.Version >= 9 {
			break
		}
		if _, err := db.ExecContext(ctx, m.SQL); err != nil {
			t.Fatalf("migration %s: %v", m.Name, err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			t.Fatal(err)
		}
		applied++
	}
	if applied != 8-1 { // 0006 was never used
		t.Fatalf("applied %d migrations before 0009, want 7", applied)
	}
	// The old layout: a package, two tests with their own blobs (one input in chunks).
	pkg, in, ans := []byte("old archive"), []byte("1 2\n"), []byte("3\n")
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO blobs (sha256, size, data) VALUES ($1, $2, $3), ($4, $5, $6), ($7, 2, '')`,
		sha(pkg), len(pkg), pkg, sha(ans), len(ans), ans, sha(in))
	exec(`INSERT INTO blob_chunks (sha256, seq, data) VALUES ($1, 0, $2), ($1, 1, $3)`, sha(in), in[:2], in[2:])
	var id int64
	if err := db.QueryRowContext(ctx, `INSERT INTO problems (slug, version, name, package_sha256, time_limit_ms, memory_kb, output_kb)
		VALUES ('old', 1, 'Old', $1, 1500, 2048, 64) RETURNING id`, sha(pkg)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO testcases (problem_id, ordinal, name, test_group, hidden, input_sha256, answer_sha256)
		VALUES ($1, 1, 'sample/1', 'sample', false, $2, $3), ($1, 2, 'secret/1', 'secret', true, $2, $3)`, id, sha(in), sha(ans))

	res, err := store.MigrateReport(ctx, db)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if len(res.Applied) == 0 || res.Applied[0] != "0009_one_problem_representation.sql" {
		t.Fatalf("applied %v, want 0009 first", res.Applied)
	}
	p, err := s.LatestProblem(ctx, "old")
	if err != nil || p.ID != id || p.Samples != 1 || p.Tests != 2 || p.PackageSHA256 != sha(pkg) {
		t.Errorf("old version after the migration = %+v, %v; want its 1 sample of 2 tests", p, err)
	}
	got, err := s.GetProblemPackage(ctx, id)
	if err != nil || !bytes.Equal(got.Archive, pkg) || got.SHA256 != sha(pkg) || got.TimeLimitMS != 1500 {
		t.Errorf("old package after the migration = %+v, %v", got, err)
	}
	var blobs, chunks, columns int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM blobs), (SELECT count(*) FROM blob_chunks),
		(SELECT count(*) FROM information_schema.columns WHERE table_name = 'testcases' AND column_name LIKE '%sha256')`).
		Scan(&blobs, &chunks, &columns); err != nil {
		t.Fatal(err)
	}
	if blobs != 1 || chunks != 0 || columns != 0 {
		t.Errorf("after the migration: %d blobs, %d chunks, %d per-test hash columns; want 1 (the package), 0, 0", blobs, chunks, columns)
	}
	// A new version is written the new way beside the old one.
	v2, created, err := s.PutProblem(ctx, store.NewProblem{Slug: "old", Name: "Old", Package: []byte("new archive"), TimeLimitMS: 1000, MemoryKB: 1024, OutputKB: 64,
		Tests: []store.NewTestcase{{Name: "secret/1", Group: "secret", Hidden: true}}})
	if err != nil || !created || v2.Version != 2 || v2.Tests != 1 {
		t.Errorf("put after the migration = %+v, created=%v, %v", v2, created, err)
	}
}
