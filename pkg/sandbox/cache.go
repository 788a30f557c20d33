package sandbox

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"sync"

	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox/agent"
)

// compileCache keeps compiled artifacts by hash of language and sources, so a resubmission or a
// rejudge skips the compile. Bounded by entry count, oldest out first.
type compileCache struct {
	mu    sync.Mutex
	max   int
	order []string
	items map[string]cached
}

type cached struct {
	files    map[string]agent.File
	compiled run.Compiled
}

func newCompileCache(max int) *compileCache {
	return &compileCache{max: max, items: map[string]cached{}}
}

func cacheKey(language string, files map[string]agent.File) string {
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
		write(files[name].Data)
	}
	return string(h.Sum(nil))
}

func (c *compileCache) get(key string) (cached, bool) {
	if c.max <= 0 {
		return cached{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.items[key]
	return v, ok
}

func (c *compileCache) put(key string, v cached) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok {
		return
	}
	for len(c.order) >= c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.order = append(c.order, key)
	c.items[key] = v
}
