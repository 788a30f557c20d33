package bytelru_test

import (
	"fmt"
	"testing"

	"github.com/judge-dev/judge/pkg/bytelru"
)

func TestCacheEvictsLeastRecentlyUsedByBytes(t *testing.T) {
	c := bytelru.New[string, int](100)
	for i := range 10 {
		if !c.Add(fmt.Sprint(i), i, 30) {
			t.Fatalf("entry %d of 30 bytes was not kept under a 100-byte bound", i)
		}
		if n, b := c.Len(); b > 100 || n > 3 {
			t.Fatalf("after %d adds: %d entries, %d bytes over the 100-byte bound", i+1, n, b)
		}
	}
	// The most recently used stay: 7, 8, 9; reading 7 makes 8 the next to go.
	if v, ok := c.Get("7"); !ok || v != 7 {
		t.Fatalf("Get(7) = %d, %v; want 7, true", v, ok)
	}
	c.Add("10", 10, 30)
	if _, ok := c.Get("8"); ok {
		t.Fatal("entry 8 survived although 7 was used more recently")
	}
	if _, ok := c.Get("7"); !ok {
		t.Fatal("the recently used entry 7 was evicted")
	}
	// One large entry pushes out as many small ones as it needs.
	c.Add("big", -1, 70)
	if n, b := c.Len(); n != 2 || b != 100 {
		t.Fatalf("after a 70-byte add: %d entries, %d bytes; want 2 and 100", n, b)
	}
	if _, ok := c.Get("7"); !ok {
		t.Fatal("the most recently used small entry was evicted for the large one")
	}
	if c.Add("huge", 0, 101) {
		t.Fatal("an entry larger than the whole bound was kept")
	}
	if _, ok := c.Get("huge"); ok {
		t.Fatal("an entry larger than the whole bound is readable")
	}
	// A key already held keeps its value and its bytes are not counted twice.
	c.Add("7", 99, 30)
	if v, _ := c.Get("7"); v != 7 {
		t.Fatalf("re-adding 7 replaced its value with %d", v)
	}
	if n, b := c.Len(); n != 2 || b != 100 {
		t.Fatalf("after re-adding 7: %d entries, %d bytes; want 2 and 100", n, b)
	}
}

func TestDisabledCacheKeepsNothing(t *testing.T) {
	for _, bound := range []int64{0, -1} {
		c := bytelru.New[string, int](bound)
		if c.Add("a", 1, 1) {
			t.Fatalf("bound %d: Add reported the entry kept", bound)
		}
		if _, ok := c.Get("a"); ok {
			t.Fatalf("bound %d: a disabled cache kept an entry", bound)
		}
	}
}
