package agent

import (
	"bytes"
	"io"
	"sync"
)

// readCapped reads r to the end, keeping at most max bytes (0 = keep none); it reports whether
// more than max arrived.
func readCapped(r io.Reader, buf *bytes.Buffer, max int64) bool {
	over := false
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			room := max - int64(buf.Len())
			if int64(n) > room {
				if room > 0 {
					buf.Write(chunk[:room])
				}
				if !over {
					over = true
				}
			} else {
				buf.Write(chunk[:n])
			}
		}
		if err != nil {
			return over
		}
	}
}

// streamStdout forwards an interactive program's stdout as frames, counting against max.
func (a *Agent) streamStdout(r io.Reader, max int64, resp *Response, mu *sync.Mutex, onOver func()) {
	chunk := make([]byte, 32<<10)
	var total int64
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			total += int64(n)
			if max > 0 && total > max {
				mu.Lock()
				resp.StdoutTruncated = true
				mu.Unlock()
				onOver()
				_, _ = io.Copy(io.Discard, r)
				return
			}
			if werr := a.writeFrame(FrameStdout, chunk[:n]); werr != nil {
				onOver()
				_, _ = io.Copy(io.Discard, r)
				return
			}
		}
		if err != nil {
			return
		}
	}
}
