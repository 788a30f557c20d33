package worker

import (
	"sync"
	"time"

	"github.com/judge-dev/judge/pkg/queue"
)

// commitEvery is how often the worker commits the offsets its slots marked.
const commitEvery = 200 * time.Millisecond

// consumeClaim hands each record of a claimed partition to a free slot and waits for one when
// all are busy, so a worker holds at most one unstarted record per partition. The loop never
// waits on judging itself: when the session ends (a rebalance) it returns at once, the record
// it held is left unmarked for the next owner, and slots finish their work on their own.
//
// The slot is taken after the record arrives, not before: a claim holding a slot while its
// partition is empty would starve the partitions that have records. While the worker is
// unhealthy (Docker or PostgreSQL down) it takes no slot at all: the record waits.
func (w *Worker) consumeClaim(sess queue.Session, partition int32, records <-chan queue.Record) error {
	offs := newOffsets(sess, partition)
	w.commits.add(offs)
	defer func() {
		w.commits.remove(offs)
		offs.close()
	}()
	for {
		var rec queue.Record
		select {
		case <-sess.Context().Done():
			return nil
		case <-w.drain:
			w.settle(sess, offs)
			return nil
		case r, ok := <-records:
			if !ok {
				return nil
			}
			rec = r
		}
		for taken := false; !taken; {
			select {
			case <-sess.Context().Done():
				return nil
			case <-w.drain:
				w.settle(sess, offs)
				return nil
			case <-w.healthy.wait():
			}
			select {
			case <-sess.Context().Done():
				return nil
			case <-w.drain:
				w.settle(sess, offs)
				return nil
			case w.slots <- struct{}{}:
			}
			// Health may have failed while this waited for a slot.
			if taken = w.healthy.isOpen(); !taken {
				<-w.slots
			}
		}
		offs.start(rec.Offset)
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			release := sync.OnceFunc(func() { <-w.slots })
			durable := w.process(w.runCtx, rec, release)
			release()
			offs.finish(rec.Offset, durable)
		}()
	}
}

// settle keeps a stopping worker's session open until this claim's running records are
// finished or handed back, so their offsets are committed (Run bounds that by the grace
// period). Returning from a claim ends the whole session.
func (w *Worker) settle(sess queue.Session, offs *offsets) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for offs.busy() {
		select {
		case <-sess.Context().Done():
			return
		case <-t.C:
		}
	}
}
