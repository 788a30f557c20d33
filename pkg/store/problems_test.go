package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

func TestPutProblemVersions(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	np := store.NewProblem{
		Slug: "sum", Name: "Sum", Package: []byte("archive v1"), TimeLimitMS: 1000, MemoryKB: 1024, OutputKB: 64,
		Tests: []store.NewTestcase{
			{Name: "sample/1", Group: "sample"},
			{Name: "secret/1", Group: "secret", Hidden: true},
			{Name: "secret/2", Group: "secret", Hidden: true},
		},
	}
	p, created, err := s.PutProblem(ctx, np)
	if err != nil || !created || p.Version != 1 || p.Samples != 1 || p.Tests != 3 || p.Limits.TimeMS != 1000 || p.Scoring {
		t.Fatalf("first put = %+v, created %v, %v", p, created, err)
	}
	again, created, err := s.PutProblem(ctx, np)
	if err != nil || created || again.Version != 1 || again.ID != p.ID {
		t.Errorf("identical put = %+v, created %v, %v; want version 1 unchanged", again, created, err)
	}
	np.Package, np.Scoring = []byte("archive v2"), true
	v2, created, err := s.PutProblem(ctx, np)
	if err != nil || !created || v2.Version != 2 || !v2.Scoring {
		t.Errorf("changed put = %+v, created %v, %v; want version 2", v2, created, err)
	}
	latest, err := s.LatestProblem(ctx, "sum")
	if err != nil || latest.Version != 2 {
		t.Errorf("latest = %+v, %v", latest, err)
	}
	var blobs int
	// The two packages: the archive is the one stored copy of the test data.
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM blobs`).Scan(&blobs); err != nil || blobs != 2 {
		t.Errorf("%d blobs, want 2 (one per package), %v", blobs, err)
	}
	if _, err := s.LatestProblem(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown problem: %v", err)
	}
	list, err := s.ListProblems(ctx)
	if err != nil || len(list) != 1 || list[0].Version != 2 {
		t.Errorf("list = %+v, %v", list, err)
	}
}

// TestLargeBlobsAreChunked: a package larger than one chunk is stored in blob_chunks, from
// bytes or from a file (an upload spooled to disk), and a worker reads it back whole.
func TestLargeBlobsAreChunked(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	archive := make([]byte, 3<<20+123)
	for i := range archive {
		archive[i] = byte(i * 7)
	}
	file := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(file, archive[:2<<20+1], 0o644); err != nil {
		t.Fatal(err)
	}
	p, created, err := s.PutProblem(ctx, store.NewProblem{Slug: "big", Name: "Big", Package: archive, TimeLimitMS: 1000, MemoryKB: 1024, OutputKB: 64,
		Tests: []store.NewTestcase{{Name: "secret/1", Group: "secret", Hidden: true}}})
	if err != nil || !created {
		t.Fatalf("put: %v %v", created, err)
	}
	fromFile, created, err := s.PutProblem(ctx, store.NewProblem{Slug: "spooled", Name: "Spooled", PackageFile: file, TimeLimitMS: 1000, MemoryKB: 1024, OutputKB: 64})
	if err != nil || !created {
		t.Fatalf("put from a file: %v %v", created, err)
	}
	var chunks int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM blob_chunks`).Scan(&chunks); err != nil || chunks != 4+3 {
		t.Errorf("%d chunks (%v), want 4 for the package and 3 for the one from a file", chunks, err)
	}
	got, err := s.GetProblemPackage(ctx, p.ID)
	if err != nil || !bytes.Equal(got.Archive, archive) {
		t.Errorf("package read back: %d bytes (%v), want the %d bytes stored", len(got.Archive), err, len(archive))
	}
	got, err = s.GetProblemPackage(ctx, fromFile.ID)
	if err != nil || !bytes.Equal(got.Archive, archive[:2<<20+1]) {
		t.Errorf("package from a file read back: %d bytes (%v), want the %d bytes stored", len(got.Archive), err, 2<<20+1)
	}
}
