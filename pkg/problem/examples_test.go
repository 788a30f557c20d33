package problem

import (
	"os"
	"path/filepath"
	"testing"
)

// TestExamplesLoad keeps examples/problems loadable; judging them is covered by
// pkg/judge/verify with the real sandbox.
func TestExamplesLoad(t *testing.T) {
	root := filepath.Join("..", "..", "examples", "problems")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 7 {
		t.Fatalf("only %d example problems", len(entries))
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			p, err := Load(filepath.Join(root, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Tests()) == 0 || len(p.Submissions) == 0 {
				t.Fatalf("%d tests, %d submissions", len(p.Tests()), len(p.Submissions))
			}
		})
	}
}
