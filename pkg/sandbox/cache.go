package sandbox

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"

	"github.com/judge-dev/judge/pkg/bytelru"
	"github.com/judge-dev/judge/pkg/run"
)

// compileCache keeps compiled artifacts by hash of language and sources, so a resubmission or a
// rejudge skips the compile. It is bounded by the total size of the artifacts it holds (a small
// source can make a 60 MiB binary), least recently used out first; an artifact larger than the
// whole bound is not kept.
type compileCache struct {
	lru *bytelru.Cache[string, cached]
}

type cached struct {
	files    map[string]file
	compiled run.Compiled
	size     int64
}

func newCompileCache(maxBytes int64) *compileCache {
	return &compileCache{lru: bytelru.New[string, cached](maxBytes)}
}

func cacheKey(language string, files map[string]file) string {
	h := sha256.New()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var n [8]byte
	write := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	write([]byte(language))
	for _, name := range names {
		write([]byte(name))
		write(files[name].data)
	}
	return string(h.Sum(nil))
}

func (c *compileCache) get(key string) (cached, bool) { return c.lru.Get(key) }

func (c *compileCache) put(key string, v cached) { c.lru.Add(key, v, v.size) }

// size reports the entries and bytes held.
func (c *compileCache) size() (int, int64) { return c.lru.Len() }
