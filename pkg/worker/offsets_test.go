package worker

import (
	"testing"

	"github.com/judge-dev/judge/pkg/queue"
)

// recordingSession records marks and commits; other methods are never called.
type recordingSession struct {
	queue.Session
	marks   []int64
	commits int
}

func (s *recordingSession) MarkOffset(_ int32, off int64) {
	s.marks = append(s.marks, off)
}
func (s *recordingSession) Commit() { s.commits++ }

func TestOffsetsCommitOnlyTheFinishedPrefix(t *testing.T) {
	sess := &recordingSession{}
	o := newOffsets(sess, 0)
	for _, off := range []int64{10, 11, 12, 13} {
		o.start(off)
	}
	steps := []struct {
		finish    int64
		durable   bool
		wantMarks []int64
	}{
		{12, true, nil},          // 10 and 11 still run: nothing may be committed
		{10, true, []int64{11}},  // 10 done: next offset to read is 11
		{11, false, []int64{11}}, // 11 ended without a durable effect: it blocks the rest
		{13, true, []int64{11}},  // still blocked by 11
	}
	for i, s := range steps {
		o.finish(s.finish, s.durable)
		if got := sess.marks; len(got) != len(s.wantMarks) || (len(got) > 0 && got[len(got)-1] != s.wantMarks[len(s.wantMarks)-1]) {
			t.Fatalf("step %d (finish %d durable=%v): marks %v, want %v", i, s.finish, s.durable, got, s.wantMarks)
		}
	}
	if o.busy() {
		t.Error("busy with nothing running")
	}
	o.flush()
	o.flush() // nothing new: no second commit
	if sess.commits != 1 {
		t.Errorf("%d commits, want 1", sess.commits)
	}
	o.close()
	o.start(14)
	o.finish(14, true)
	if len(sess.marks) != 1 {
		t.Errorf("a closed (revoked) claim marked %v", sess.marks)
	}
}

func TestCommitterCommitsEachSessionOnce(t *testing.T) {
	a, b := &recordingSession{}, &recordingSession{}
	c := newCommitter()
	claims := []*offsets{newOffsets(a, 0), newOffsets(a, 1), newOffsets(a, 2), newOffsets(b, 0)}
	for i, o := range claims {
		c.add(o)
		if i == 2 {
			continue // partition 2 of a marks nothing
		}
		o.start(5)
		o.finish(5, true)
	}
	c.flush()
	if a.commits != 1 || b.commits != 1 {
		t.Fatalf("commits: session a %d, session b %d, want 1 each", a.commits, b.commits)
	}
	c.flush()
	if a.commits != 1 || b.commits != 1 {
		t.Fatalf("nothing new marked, yet commits: session a %d, session b %d", a.commits, b.commits)
	}
	c.remove(claims[3])
	claims[3].start(6)
	claims[3].finish(6, true)
	c.flush()
	if b.commits != 1 {
		t.Errorf("a removed claim was committed by the worker's timer (%d commits)", b.commits)
	}
}
