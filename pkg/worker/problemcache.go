package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/judge-dev/judge/pkg/bytelru"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/store"
)

// PackageSource reads problem packages by content hash; *store.Store satisfies it.
type PackageSource interface {
	// ProblemPackageRef names the package of problem version id and the version's limits.
	ProblemPackageRef(ctx context.Context, id int64) (store.PackageRef, error)
	// PackageArchive reads the package archive with this SHA-256.
	PackageArchive(ctx context.Context, sha256 string) ([]byte, error)
}

// DefaultProblemCacheBytes bounds the loaded problems a worker keeps when the caller gives 0.
const DefaultProblemCacheBytes = 1 << 30

// problemCache keeps loaded problem packages by the archive's SHA-256, so versions with the
// same package share one entry, least recently used out first once their estimated memory
// (problem.MemoryBytes) passes the bound. The archive itself is not kept: nothing reads it
// once loaded. A package is loaded once however many submissions wait for it, and a failed
// load is not remembered: the next submission tries again.
type problemCache struct {
	src   PackageSource
	lru   *bytelru.Cache[string, *problem.Problem]
	loads singleflight.Group
}

func newProblemCache(src PackageSource, maxBytes int64) *problemCache {
	if maxBytes == 0 {
		maxBytes = DefaultProblemCacheBytes
	}
	return &problemCache{src: src, lru: bytelru.New[string, *problem.Problem](maxBytes)}
}

// get returns problem version id, with the time limit the version was stored with when its
// package has none (computed on push).
func (c *problemCache) get(ctx context.Context, id int64) (*problem.Problem, error) {
	ref, err := c.src.ProblemPackageRef(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load problem %d: %w", id, err)
	}
	p, err := c.byHash(ctx, ref.SHA256)
	if err != nil {
		return nil, fmt.Errorf("load problem %d: %w", id, err)
	}
	if p.Limits.TimeLimit == 0 && ref.TimeLimitMS > 0 {
		// Versions sharing the package may have different computed limits: the shared
		// problem stays as loaded, this version gets a copy.
		v := *p
		v.Limits.TimeLimit = time.Duration(ref.TimeLimitMS) * time.Millisecond
		p = &v
	}
	return p, nil
}

// byHash returns the loaded package with this SHA-256, loading it when it is not cached.
func (c *problemCache) byHash(ctx context.Context, hash string) (*problem.Problem, error) {
	if p, ok := c.lru.Get(hash); ok {
		return p, nil
	}
	for retried := false; ; retried = true {
		ch := c.loads.DoChan(hash, func() (any, error) { return c.load(ctx, hash) })
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case r := <-ch:
			if r.Err == nil {
				return r.Val.(*problem.Problem), nil
			}
			// The submission that ran the shared load gave up on it; this one, still
			// wanting the package, loads it itself.
			if !retried && r.Shared && ctx.Err() == nil &&
				(errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				continue
			}
			return nil, r.Err
		}
	}
}

func (c *problemCache) load(ctx context.Context, hash string) (*problem.Problem, error) {
	if p, ok := c.lru.Get(hash); ok {
		return p, nil // loaded by a call that finished between our Get and DoChan
	}
	archive, err := c.src.PackageArchive(ctx, hash)
	if err != nil {
		return nil, err
	}
	p, err := problem.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", hash, err)
	}
	c.lru.Add(hash, p, p.MemoryBytes())
	return p, nil
}
