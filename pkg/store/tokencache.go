package store

import (
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// DefaultTokenCacheTTL is how long Authenticate trusts a token it found without asking the
// database again. A token revoked by another process (`judged token revoke`, another replica)
// keeps working on this one for at most this long.
const DefaultTokenCacheTTL = 5 * time.Second

// tokenCacheSize bounds the cache: only tokens that authenticated are cached, and an install
// has a few hundred at most, so unknown tokens (a flood of random ones) never grow it.
const tokenCacheSize = 4096

// tokenCache remembers the tokens Authenticate found, by secret hash, for a short TTL: every
// API request authenticates, and the lookup was one of the largest shares of the database's
// statements per submission.
type tokenCache struct {
	ttl time.Duration
	now func() time.Time
	lru *lru.Cache[[32]byte, cachedToken]
	// forgets counts forget calls: a lookup that raced with a revocation must not put back
	// what the revocation just removed (see begin and put).
	forgets atomic.Uint64
}

type cachedToken struct {
	token   Token
	expires time.Time
}

// newTokenCache returns a cache of at most size tokens, each trusted for ttl; ttl <= 0
// returns nil, which caches nothing.
func newTokenCache(ttl time.Duration, size int, now func() time.Time) *tokenCache {
	if ttl <= 0 {
		return nil
	}
	c, err := lru.New[[32]byte, cachedToken](size)
	if err != nil {
		panic(err) // only for size <= 0, which no caller passes
	}
	return &tokenCache{ttl: ttl, now: now, lru: c}
}

func (c *tokenCache) get(hash [32]byte) (Token, bool) {
	if c == nil {
		return Token{}, false
	}
	e, ok := c.lru.Get(hash)
	if !ok {
		return Token{}, false
	}
	if !c.now().Before(e.expires) {
		c.lru.Remove(hash)
		return Token{}, false
	}
	return e.token, true
}

// begin is called before a database lookup; its value goes to put.
func (c *tokenCache) begin() uint64 {
	if c == nil {
		return 0
	}
	return c.forgets.Load()
}

// put caches t, found by a lookup that started at begin's value gen, unless a token was
// forgotten since (the lookup may have read it just before its revocation committed).
func (c *tokenCache) put(gen uint64, hash [32]byte, t Token) {
	if c == nil {
		return
	}
	c.lru.Add(hash, cachedToken{token: t, expires: c.now().Add(c.ttl)})
	if c.forgets.Load() != gen {
		c.lru.Remove(hash)
	}
}

func (c *tokenCache) forget(hash [32]byte) {
	if c == nil {
		return
	}
	c.forgets.Add(1)
	c.lru.Remove(hash)
}

// SetTokenCacheTTL sets how long Authenticate trusts a token it found (DefaultTokenCacheTTL
// unless set; 0 asks the database every time) and empties the cache. Call it before use.
func (s *Store) SetTokenCacheTTL(ttl time.Duration) {
	s.tokens = newTokenCache(ttl, tokenCacheSize, time.Now)
}
