package worker

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/store"
)

func TestTestStream(t *testing.T) {
	names := func(ts []store.TestResult) []string {
		var out []string
		for _, r := range ts {
			out = append(out, r.Name)
		}
		return out
	}
	t.Run("a run shorter than the delay writes nothing itself", func(t *testing.T) {
		var writes [][]store.TestResult
		s := newTestStream(time.Hour, func(ts []store.TestResult) { writes = append(writes, ts) })
		s.add(store.TestResult{Name: "1"})
		s.add(store.TestResult{Name: "2"})
		if got := names(s.take()); !slices.Equal(got, []string{"1", "2"}) {
			t.Errorf("take = %v, want [1 2]", got)
		}
		s.add(store.TestResult{Name: "late"})
		if len(writes) != 0 || len(s.take()) != 0 {
			t.Errorf("writes = %v; an add after take must be dropped", writes)
		}
	})
	t.Run("a batch in flight is committed before take returns", func(t *testing.T) {
		var mu sync.Mutex
		var written []string
		started := make(chan struct{})
		release := make(chan struct{})
		s := newTestStream(time.Millisecond, func(ts []store.TestResult) {
			close(started)
			<-release
			mu.Lock()
			written = append(written, names(ts)...)
			mu.Unlock()
		})
		s.add(store.TestResult{Name: "1"})
		<-started // the timer fired and the write of [1] is in progress
		s.add(store.TestResult{Name: "2"})
		got := make(chan []store.TestResult)
		go func() { got <- s.take() }()
		select {
		case <-got:
			t.Fatal("take returned while a write was in progress")
		case <-time.After(20 * time.Millisecond):
		}
		close(release)
		if rest := names(<-got); !slices.Equal(rest, []string{"2"}) {
			t.Errorf("take = %v, want [2]", rest)
		}
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(written, []string{"1"}) {
			t.Errorf("written = %v, want [1]", written)
		}
	})
}
