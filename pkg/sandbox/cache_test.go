package sandbox

import (
	"fmt"
	"testing"
)

func TestCompileCacheIsBoundedInBytes(t *testing.T) {
	c := newCompileCache(100)
	entry := func(size int64) cached {
		return cached{size: size, files: map[string]file{"main": {data: make([]byte, size)}}}
	}
	for i := range 10 {
		c.put(fmt.Sprint(i), entry(30))
		if n, b := c.size(); b > 100 || n > 3 {
			t.Fatalf("after %d puts: %d entries, %d bytes over the 100-byte bound", i+1, n, b)
		}
	}
	// The most recently used stay: 7, 8, 9; reading 7 makes 8 the next to go.
	if _, ok := c.get("7"); !ok {
		t.Fatal("entry 7 was evicted before older ones")
	}
	c.put("10", entry(30))
	if _, ok := c.get("8"); ok {
		t.Fatal("entry 8 survived although 7 was used more recently")
	}
	if _, ok := c.get("7"); !ok {
		t.Fatal("the recently used entry 7 was evicted")
	}
	c.put("huge", entry(101))
	if _, ok := c.get("huge"); ok {
		t.Fatal("an entry larger than the whole bound was kept")
	}
	if n, b := c.size(); n != 3 || b != 90 {
		t.Fatalf("%d entries, %d bytes; want 3 and 90", n, b)
	}
	off := newCompileCache(-1)
	off.put("a", entry(1))
	if _, ok := off.get("a"); ok {
		t.Fatal("a disabled cache kept an entry")
	}
}
