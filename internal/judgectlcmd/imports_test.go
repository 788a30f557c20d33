package judgectlcmd

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoServerSideImports keeps judgectl a pure API client: it reaches the server only through
// pkg/client (DESIGN.md), never the database, queue, relay or sandbox directly.
func TestNoServerSideImports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "github.com/judge-dev/judge/cmd/judgectl").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{"/pkg/store", "/pkg/queue", "/pkg/cdc", "/pkg/sandbox", "/pkg/worker", "/pkg/api"}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			p := "github.com/judge-dev/judge" + f
			if dep == p || strings.HasPrefix(dep, p+"/") {
				// The problems helper's `problem verify --local` may use the sandbox through one entry point.
				if f == "/pkg/sandbox" {
					t.Logf("judgectl links %s (allowed only for problem verify --local)", dep)
					continue
				}
				t.Errorf("judgectl imports %s; it must reach the server through pkg/client only", dep)
			}
		}
	}
}
