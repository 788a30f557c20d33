package api

// gate caps how many requests of one kind run at once on this replica. It never queues: a
// caller that finds it full is answered at once (an SSE stream with 503 and Retry-After, a
// ?wait= without waiting), so a burst of long requests cannot hold every connection of the
// database pool, which every other request needs too.
type gate chan struct{}

func newGate(n int) gate { return make(gate, n) }

func (g gate) tryAcquire() bool {
	select {
	case g <- struct{}{}:
		return true
	default:
		return false
	}
}

func (g gate) release() { <-g }
