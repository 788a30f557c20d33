// Package bytelru is a least-recently-used cache bounded by the total size of its entries
// rather than their count: the worker's compiled programs and loaded problem packages range
// from bytes to gigabytes, so a count bound says nothing about the memory they take.
package bytelru

import (
	"container/list"
	"sync"
)

// Cache maps keys to values with a size each, evicting the least recently used entries while
// the sizes sum to more than the bound. An entry larger than the whole bound is not kept; a
// bound of zero or less disables the cache. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64
	order    *list.List // of *entry[K, V], most recently used first
	items    map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key  K
	v    V
	size int64
}

// New returns a cache holding at most maxBytes (disabled when maxBytes <= 0).
func New[K comparable, V any](maxBytes int64) *Cache[K, V] {
	return &Cache[K, V]{maxBytes: maxBytes, order: list.New(), items: map[K]*list.Element{}}
}

// Get returns the value of key and marks it the most recently used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	var zero V
	if c.maxBytes <= 0 {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*entry[K, V]).v, true
}

// Add keeps v of size bytes under key, evicting the least recently used entries to make room,
// and reports whether it was kept. A key already present keeps its first value (the values
// are content-addressed: the same key is the same content).
func (c *Cache[K, V]) Add(key K, v V, size int64) bool {
	if c.maxBytes <= 0 || size > c.maxBytes {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		return true
	}
	for c.bytes+size > c.maxBytes {
		last := c.order.Back()
		old := last.Value.(*entry[K, V])
		c.order.Remove(last)
		delete(c.items, old.key)
		c.bytes -= old.size
	}
	c.items[key] = c.order.PushFront(&entry[K, V]{key: key, v: v, size: size})
	c.bytes += size
	return true
}

// Len reports the entries and bytes held.
func (c *Cache[K, V]) Len() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.bytes
}
