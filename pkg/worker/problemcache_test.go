package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/store"
)

// packAdd packs a small valid package whose secret test carries extra bytes of input.
func packAdd(t *testing.T, name string, extra int) []byte {
	t.Helper()
	dir := t.TempDir()
	for file, content := range map[string]string{
		"problem.yaml":      "name: " + name + "\n",
		"data/sample/1.in":  "3 4\n",
		"data/sample/1.ans": "7\n",
		"data/secret/1.in":  "1 1\n" + strings.Repeat(" ", extra),
		"data/secret/1.ans": "2\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(file))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := problem.Pack(&b, dir, problem.TarGz); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func hashOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// fakePackages is a PackageSource over versions and archives in memory that counts archive
// reads per hash; fail, when set, decides the outcome of a read before it happens.
type fakePackages struct {
	mu       sync.Mutex
	versions map[int64]store.PackageRef
	archives map[string][]byte
	reads    map[string]int
	refs     int
	fail     func(ctx context.Context, hash string, read int) error
}

func newFakePackages() *fakePackages {
	return &fakePackages{versions: map[int64]store.PackageRef{}, archives: map[string][]byte{}, reads: map[string]int{}}
}

func (f *fakePackages) add(id int64, archive []byte, timeMS int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := hashOf(archive)
	f.archives[h] = archive
	f.versions[id] = store.PackageRef{SHA256: h, TimeLimitMS: timeMS}
	return h
}

func (f *fakePackages) ProblemPackageRef(_ context.Context, id int64) (store.PackageRef, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refs++
	r, ok := f.versions[id]
	if !ok {
		return store.PackageRef{}, store.ErrNotFound
	}
	return r, nil
}

func (f *fakePackages) PackageArchive(ctx context.Context, hash string) ([]byte, error) {
	f.mu.Lock()
	f.reads[hash]++
	read, fail := f.reads[hash], f.fail
	f.mu.Unlock()
	if fail != nil {
		if err := fail(ctx, hash, read); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.archives[hash], nil
}

func (f *fakePackages) readsOf(hash string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads[hash]
}

// TestProblemCacheSharesAPackageByHash: two versions with one package load it once; each
// gets the time limit it was stored with, the shared problem keeps none.
func TestProblemCacheSharesAPackageByHash(t *testing.T) {
	ctx := context.Background()
	src := newFakePackages()
	archive := packAdd(t, "Add", 0)
	h := src.add(1, archive, 1000)
	src.add(2, archive, 2500)
	c := newProblemCache(src, 0)
	for _, v := range []struct {
		id   int64
		want time.Duration
	}{{1, time.Second}, {2, 2500 * time.Millisecond}, {1, time.Second}} {
		p, err := c.get(ctx, v.id)
		if err != nil {
			t.Fatalf("version %d: %v", v.id, err)
		}
		if p.Limits.TimeLimit != v.want || len(p.Tests()) != 2 {
			t.Errorf("version %d: time limit %v, %d tests; want %v and 2", v.id, p.Limits.TimeLimit, len(p.Tests()), v.want)
		}
	}
	if n := src.readsOf(h); n != 1 {
		t.Errorf("the shared package was read %d times, want once", n)
	}
	if shared, ok := c.lru.Get(h); !ok || shared.Limits.TimeLimit != 0 {
		t.Errorf("cached problem: present %v, time limit %v; want present with the package's own (none)", ok, shared.Limits.TimeLimit)
	}
	if _, err := c.get(ctx, 99); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown version: %v, want ErrNotFound", err)
	}
}

// TestProblemCacheEvictsByBytes: with room for two loaded packages, a third pushes out the
// least recently used, which is read again when next wanted; the others are not.
func TestProblemCacheEvictsByBytes(t *testing.T) {
	ctx := context.Background()
	src := newFakePackages()
	var hashes []string
	var sizes []int64
	for i, name := range []string{"A", "B", "C"} {
		a := packAdd(t, name, 100<<10)
		hashes = append(hashes, src.add(int64(i+1), a, 1000))
		p, err := problem.LoadArchive(bytes.NewReader(a))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, p.MemoryBytes())
	}
	if sizes[0] < 100<<10 {
		t.Fatalf("a package with 100 KiB of input is estimated at %d bytes", sizes[0])
	}
	c := newProblemCache(src, sizes[0]+sizes[1]+sizes[2]/2)
	for _, id := range []int64{1, 2, 1, 3} { // 1 was used after 2: 2 goes for 3
		if _, err := c.get(ctx, id); err != nil {
			t.Fatalf("version %d: %v", id, err)
		}
	}
	if n, b := c.lru.Len(); n != 2 || b > sizes[0]+sizes[1]+sizes[2]/2 {
		t.Errorf("cache holds %d packages, %d bytes; want 2 within the bound", n, b)
	}
	for _, id := range []int64{1, 3, 2} {
		if _, err := c.get(ctx, id); err != nil {
			t.Fatalf("version %d: %v", id, err)
		}
	}
	for i, want := range []int{1, 2, 1} {
		if got := src.readsOf(hashes[i]); got != want {
			t.Errorf("package %d read %d times, want %d", i+1, got, want)
		}
	}
	// Nothing is kept with the cache off, or when the package alone is over the bound.
	for _, bound := range []int64{-1, sizes[0] / 2} {
		off := newProblemCache(src, bound)
		before := src.readsOf(hashes[0])
		for range 2 {
			if _, err := off.get(ctx, 1); err != nil {
				t.Fatal(err)
			}
		}
		if got := src.readsOf(hashes[0]) - before; got != 2 {
			t.Errorf("bound %d: %d reads for two judgings, want 2 (nothing cached)", bound, got)
		}
	}
}

// TestProblemCacheLoadsOncePerHash: submissions wanting one package at once share one read.
// The read waits until all of them have asked, so a second load would be a second read.
func TestProblemCacheLoadsOncePerHash(t *testing.T) {
	ctx := context.Background()
	src := newFakePackages()
	h := src.add(1, packAdd(t, "Add", 0), 1000)
	src.add(2, packAdd(t, "Add", 0), 2000) // the same bytes: one hash
	const waiters = 8
	src.fail = func(context.Context, string, int) error {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			src.mu.Lock()
			refs := src.refs
			src.mu.Unlock()
			if refs >= waiters {
				return nil
			}
			time.Sleep(time.Millisecond)
		}
		return errors.New("the waiters never all asked")
	}
	c := newProblemCache(src, 0)
	var wg sync.WaitGroup
	errs := make([]error, waiters)
	for i := range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.get(ctx, int64(1+i%2))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("waiter %d: %v", i, err)
		}
	}
	if n := src.readsOf(h); n != 1 {
		t.Errorf("%d concurrent submissions read the package %d times, want once", waiters, n)
	}
}

// TestProblemCacheRetriesAFailedLoad: a failed read or a broken archive is reported and not
// remembered; the next submission loads the package.
func TestProblemCacheRetriesAFailedLoad(t *testing.T) {
	ctx := context.Background()
	src := newFakePackages()
	h := src.add(1, packAdd(t, "Add", 0), 1000)
	broken := src.add(2, []byte("not an archive"), 1000)
	down := errors.New("database unavailable")
	src.fail = func(_ context.Context, hash string, read int) error {
		if hash == h && read == 1 {
			return down
		}
		return nil
	}
	c := newProblemCache(src, 0)
	if _, err := c.get(ctx, 1); !errors.Is(err, down) {
		t.Fatalf("first load: %v, want the read's error", err)
	}
	if p, err := c.get(ctx, 1); err != nil || p == nil {
		t.Fatalf("second load: %v", err)
	}
	if n := src.readsOf(h); n != 2 {
		t.Errorf("package read %d times, want 2 (the failure was not kept)", n)
	}
	for range 2 {
		if _, err := c.get(ctx, 2); err == nil {
			t.Fatal("a broken archive loaded")
		}
	}
	if n := src.readsOf(broken); n != 2 {
		t.Errorf("broken package read %d times, want 2 (its failure was not kept)", n)
	}
}

// TestProblemCacheWaiterOutlivesACancelledLoad: when the submission running a shared load is
// cancelled, one that waited on it loads the package itself.
func TestProblemCacheWaiterOutlivesACancelledLoad(t *testing.T) {
	src := newFakePackages()
	h := src.add(1, packAdd(t, "Add", 0), 1000)
	started := make(chan struct{})
	src.fail = func(ctx context.Context, _ string, read int) error {
		if read == 1 {
			close(started)
			<-ctx.Done() // the first read hangs until its submission is cancelled
			return ctx.Err()
		}
		return nil
	}
	c := newProblemCache(src, 0)
	first, cancel := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() {
		_, err := c.get(first, 1)
		firstErr <- err
	}()
	<-started
	second := make(chan error, 1)
	go func() {
		_, err := c.get(context.Background(), 1)
		second <- err
	}()
	// The second submission joins the hanging load once it has read its version's ref (a
	// moment later; were it late, it would start a load of its own and the read count below
	// would still be 2, but the retry is what this test is for: without it the count is 1).
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		src.mu.Lock()
		refs := src.refs
		src.mu.Unlock()
		if refs >= 2 {
			break
		}
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled submission: %v, want context.Canceled", err)
	}
	if err := <-second; err != nil {
		t.Errorf("waiting submission: %v, want the package", err)
	}
	if n := src.readsOf(h); n != 2 {
		t.Errorf("package read %d times, want 2 (the cancelled read and the waiter's own)", n)
	}
}
