package worker

import (
	"sort"
	"sync"

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

// flush commits the marked offsets, if any changed. A commit is a round trip to the group
// coordinator, so it runs on a timer rather than in a slot after every message.
func (o *offsets) flush() {
	o.mu.Lock()
	dirty := o.dirty && !o.closed
	o.dirty = false
	o.mu.Unlock()
	if dirty {
		o.sess.Commit()
	}
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
