package worker

import (
	"context"
	"time"

	"github.com/IBM/sarama"
)

// handler is the sarama consumer-group handler of a Worker.
type handler struct {
	w      *Worker
	runCtx context.Context
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

// ConsumeClaim takes a message only when a slot is free and hands it to the slot, so the loop
// itself never blocks on judging: when the session ends (a rebalance) it returns at once, and
// the slot finishes its work on its own.
func (h *handler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	w := h.w
	offs := newOffsets(sess, claim.Topic(), claim.Partition())
	defer offs.close()
	for {
		select {
		case <-sess.Context().Done():
			return nil
		case <-w.drain:
			h.settle(sess, offs)
			return nil
		case w.slots <- struct{}{}:
		}
		select {
		case <-sess.Context().Done():
			<-w.slots
			return nil
		case <-w.drain:
			<-w.slots
			h.settle(sess, offs)
			return nil
		case msg, ok := <-claim.Messages():
			if !ok {
				<-w.slots
				return nil
			}
			offs.start(msg.Offset)
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				defer func() { <-w.slots }()
				offs.finish(msg.Offset, w.process(h.runCtx, msg))
			}()
		}
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
