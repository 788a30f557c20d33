package sandbox

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"sync"

	"github.com/judge-dev/judge/pkg/run"
)

// compileCache keeps compiled artifacts by hash of language and sources, so a resubmission or a
// rejudge skips the compile. It is bounded by the total size of the artifacts it holds (a small
// source can make a 60 MiB binary), least recently used out first; an artifact larger than the
// whole bound is not kept.
type compileCache struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64
	order    *list.List // of *cacheEntry, most recently used first
	items    map[string]*list.Element
}

type cached struct {
	files    map[string]file
	compiled run.Compiled
	size     int64
}

type cacheEntry struct {
	key string
	v   cached
}

func newCompileCache(maxBytes int64) *compileCache {
	return &compileCache{maxBytes: maxBytes, order: list.New(), items: map[string]*list.Element{}}
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

func (c *compileCache) get(key string) (cached, bool) {
	if c.maxBytes <= 0 {
		return cached{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return cached{}, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry).v, true
}

func (c *compileCache) put(key string, v cached) {
	if c.maxBytes <= 0 || v.size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok {
		return
	}
	for c.bytes+v.size > c.maxBytes {
		last := c.order.Back()
		old := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.items, old.key)
		c.bytes -= old.v.size
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, v: v})
	c.bytes += v.size
}

// size reports the entries and bytes held.
func (c *compileCache) size() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.bytes
}
