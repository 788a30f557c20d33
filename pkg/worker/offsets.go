package worker

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/judge-dev/judge/pkg/queue"
)

// offsets marks a partition's messages in order although slots finish them out of order: only
// the prefix of finished offsets is committed, so a crash never skips an unfinished message.
type offsets struct {
	mu      sync.Mutex
	sess    queue.Session
	part    int32
	pending map[int64]bool // offset → finished
	running int
	dirty   bool
	closed  bool
}

func newOffsets(sess queue.Session, part int32) *offsets {
	return &offsets{sess: sess, part: part, pending: map[int64]bool{}}
}

// start registers a message taken into a slot.
func (o *offsets) start(off int64) {
	o.mu.Lock()
	o.pending[off] = false
	o.running++
	o.mu.Unlock()
}

// finish records a message whose slot is done. A durable one commits the longest finished
// prefix; one that is not (durable false) stays unfinished, so no later offset of the
// partition is committed past it and it is read again by the next owner.
func (o *offsets) finish(off int64, durable bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.running--
	if !durable {
		return
	}
	o.pending[off] = true
	keys := make([]int64, 0, len(o.pending))
	for k := range o.pending {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	mark := int64(-1)
	for _, k := range keys {
		if !o.pending[k] {
			break
		}
		mark = k
		delete(o.pending, k)
	}
	if mark < 0 || o.closed {
		return // a claim that was revoked: its new owner re-reads and skips finished work
	}
	o.sess.MarkOffset(o.part, mark+1)
	o.dirty = true
}

// flush commits the marked offsets, if any changed.
func (o *offsets) flush() {
	if o.takeDirty() {
		o.sess.Commit()
	}
}

// takeDirty reports whether offsets were marked since the last call, and clears that.
func (o *offsets) takeDirty() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	dirty := o.dirty && !o.closed
	o.dirty = false
	return dirty
}

// busy reports whether messages of this claim are still in slots.
func (o *offsets) busy() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.running > 0
}

func (o *offsets) close() {
	o.flush()
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
}

// committer commits the offsets the worker's claims marked, on one timer for all of them. A
// commit is a round trip to the group coordinator, so it runs on a timer rather than in a slot
// after every message; and a session's Commit sends the marks of all its partitions in one
// request, so one Commit per session and tick is enough (a timer per claim sent up to one
// request per partition and tick).
type committer struct {
	mu     sync.Mutex
	claims map[*offsets]struct{}
}

func newCommitter() *committer { return &committer{claims: map[*offsets]struct{}{}} }

func (c *committer) add(o *offsets) {
	c.mu.Lock()
	c.claims[o] = struct{}{}
	c.mu.Unlock()
}

func (c *committer) remove(o *offsets) {
	c.mu.Lock()
	delete(c.claims, o)
	c.mu.Unlock()
}

// flush commits each session that has claims with new marks, once.
func (c *committer) flush() {
	c.mu.Lock()
	claims := make([]*offsets, 0, len(c.claims))
	for o := range c.claims {
		claims = append(claims, o)
	}
	c.mu.Unlock()
	committed := map[queue.Session]bool{}
	for _, o := range claims {
		if o.takeDirty() && !committed[o.sess] {
			committed[o.sess] = true
			o.sess.Commit()
		}
	}
}

// run flushes every interval until ctx ends; a claim flushes its own marks when it closes.
func (c *committer) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.flush()
		}
	}
}
