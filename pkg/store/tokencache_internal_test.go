package store

import (
	"crypto/sha256"
	"strconv"
	"testing"
	"time"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestTokenCacheTTL(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := newTokenCache(5*time.Second, 8, clk.now)
	h := sha256.Sum256([]byte("jdg_a"))
	c.put(c.begin(), h, Token{ID: 7, Name: "a", Role: RoleSubmitter})
	if got, ok := c.get(h); !ok || got.ID != 7 {
		t.Fatalf("fresh entry: %+v, %v", got, ok)
	}
	clk.t = clk.t.Add(4999 * time.Millisecond)
	if _, ok := c.get(h); !ok {
		t.Error("entry gone before its TTL")
	}
	clk.t = clk.t.Add(time.Millisecond)
	if _, ok := c.get(h); ok {
		t.Error("entry still trusted at its TTL: a token revoked elsewhere would keep working")
	}
	if n := c.lru.Len(); n != 0 {
		t.Errorf("expired entry kept: %d entries", n)
	}
}

func TestTokenCacheForget(t *testing.T) {
	c := newTokenCache(time.Minute, 8, time.Now)
	h := sha256.Sum256([]byte("jdg_a"))
	c.put(c.begin(), h, Token{ID: 7})
	c.forget(h)
	if _, ok := c.get(h); ok {
		t.Error("forgotten (revoked) token still cached")
	}
	// A lookup that started before the revocation read the token as valid: it must not put it
	// back.
	gen := c.begin()
	c.forget(h)
	c.put(gen, h, Token{ID: 7})
	if _, ok := c.get(h); ok {
		t.Error("a lookup that raced with the revocation cached the revoked token")
	}
	c.put(c.begin(), h, Token{ID: 7})
	if _, ok := c.get(h); !ok {
		t.Error("a lookup after the revocation is not cached")
	}
}

func TestTokenCacheBound(t *testing.T) {
	c := newTokenCache(time.Minute, 16, time.Now)
	for i := range 1000 {
		c.put(c.begin(), sha256.Sum256([]byte("jdg_"+strconv.Itoa(i))), Token{ID: int64(i)})
	}
	if n := c.lru.Len(); n != 16 {
		t.Errorf("%d entries, want the bound 16", n)
	}
	if _, ok := c.get(sha256.Sum256([]byte("jdg_999"))); !ok {
		t.Error("most recent token evicted")
	}
}

func TestTokenCacheOff(t *testing.T) {
	c := newTokenCache(0, 16, time.Now)
	h := sha256.Sum256([]byte("jdg_a"))
	c.put(c.begin(), h, Token{ID: 1})
	if _, ok := c.get(h); ok {
		t.Error("TTL 0 cached a token")
	}
	c.forget(h)
}
