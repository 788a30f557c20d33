package agent

import (
	"io"
)

// forward streams what the program writes to r as frames of type typ while it runs, up to max
// bytes (0: none). The first byte past max calls onOver (if not nil); the rest is read and
// dropped. It returns how many bytes the program wrote, counting at most max+1. The agent holds
// no more of the output than one read's worth.
func (a *Agent) forward(r io.Reader, typ byte, max int64, onOver func()) int64 {
	chunk := make([]byte, 64<<10)
	var total int64
	for {
		n, err := r.Read(chunk)
		if n > 0 && total <= max {
			send := min(int64(n), max-total)
			if send > 0 {
				// A failed write means the host is gone; the agent ends with its stream.
				_ = a.out.Frame(typ, chunk[:send])
			}
			total += send
			if int64(n) > send {
				total = max + 1
				if onOver != nil {
					onOver()
				}
			}
		}
		if err != nil {
			return total
		}
	}
}
