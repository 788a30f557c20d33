package worker

import (
	"context"
	"time"

	"github.com/IBM/sarama"
)

// commitEvery is how often a claim commits the offsets its slots marked.
const commitEvery = 200 * time.Millisecond

// handler is the sarama consumer-group handler of a Worker.
type handler struct {
	w      *Worker
	runCtx context.Context
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

// ConsumeClaim hands each message to a free slot and waits for one when all are busy, so a
// worker holds at most one unstarted message per partition. The loop never waits on judging
// itself: when the session ends (a rebalance) it returns at once, the message it held is left
// unmarked for the next owner, and slots finish their work on their own.
//
// The slot is taken after the message arrives, not before: a claim holding a slot while its
// partition is empty would starve the partitions that have messages.
func (h *handler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	w := h.w
	offs := newOffsets(sess, claim.Topic(), claim.Partition())
	defer offs.close()
	stopCommits := make(chan struct{})
	defer close(stopCommits)
	go func() {
		t := time.NewTicker(commitEvery)
		defer t.Stop()
		for {
			select {
			case <-stopCommits:
				return
			case <-t.C:
				offs.flush()
			}
		}
	}()
	for {
		var msg *sarama.ConsumerMessage
		select {
		case <-sess.Context().Done():
			return nil
		case <-w.drain:
			h.settle(sess, offs)
			return nil
		case m, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			msg = m
		}
		select {
		case <-sess.Context().Done():
			return nil
		case <-w.drain:
			h.settle(sess, offs)
			return nil
		case w.slots <- struct{}{}:
		}
		offs.start(msg.Offset)
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			durable := w.process(h.runCtx, msg)
			<-w.slots
			offs.finish(msg.Offset, durable)
		}()
	}
}

// settle keeps a stopping worker's session open until this claim's running messages are
// finished or handed back, so their offsets are committed (Run bounds that by the grace
// period). Returning from ConsumeClaim ends the whole session in sarama.
func (h *handler) settle(sess sarama.ConsumerGroupSession, offs *offsets) {
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
