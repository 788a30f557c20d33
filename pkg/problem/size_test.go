package problem_test

import (
	"testing"

	"github.com/judge-dev/judge/pkg/problem"
)

// TestMemoryBytesCountsTheData: the estimate grows by at least the bytes each part adds, so a
// cache bounded by it is bounded by the data it holds.
func TestMemoryBytesCountsTheData(t *testing.T) {
	big := make([]byte, 1<<20)
	test := &problem.Test{Name: "secret/1", Input: big, Answer: big[:1000]}
	p := &problem.Problem{Data: &problem.Group{Items: []problem.Item{{Group: &problem.Group{Name: "secret", Items: []problem.Item{{Test: test}}}}}}}
	base := (&problem.Problem{}).MemoryBytes()
	withTest := p.MemoryBytes()
	if withTest < base+1<<20+1000 {
		t.Fatalf("with a 1 MiB test: %d bytes, want at least %d", withTest, base+1<<20+1000)
	}
	p.OutputValidator = &problem.Program{Name: "v", Files: map[string][]byte{"v.cpp": big[:5000]}}
	p.Include = map[string]map[string][]byte{"cpp": {"h.h": big[:300]}}
	p.Submissions = []problem.Submission{{Path: "accepted/a.py", Files: map[string][]byte{"a.py": big[:700]}}}
	if got := p.MemoryBytes(); got < withTest+5000+300+700 {
		t.Fatalf("with a validator, an include and a submission: %d bytes, want at least %d", got, withTest+6000)
	}
}
