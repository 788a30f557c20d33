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
				// `problem verify --local` uses the sandbox, only through the engine's wiring
				// (TestDockerOnlyThroughEngine).
				if f == "/pkg/sandbox" {
					t.Logf("judgectl links %s (allowed only for problem verify --local)", dep)
					continue
				}
				t.Errorf("judgectl imports %s; it must reach the server through pkg/client only", dep)
			}
		}
	}
}

// TestDockerOnlyThroughEngine proves that judgectl links the sandbox and the Docker SDK only
// through the engine's sandbox wiring (pkg/engine/sandboxed, for `problem verify --local`):
// with that one package cut out of judgectl's import graph, neither is reachable any more. And
// the judging logic itself (the judge, verify, the engine, the problem loader, pkg/run) imports
// neither at all.
func TestDockerOnlyThroughEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/judge-dev/judge"
	const wiring = mod + "/pkg/engine/sandboxed"
	dockerish := func(p string) bool {
		return p == mod+"/pkg/sandbox" || strings.HasPrefix(p, mod+"/pkg/sandbox/") ||
			strings.HasPrefix(p, "github.com/moby/") || strings.HasPrefix(p, "github.com/docker/")
	}
	graph := importGraph(t, mod+"/cmd/judgectl")
	reach := func(cut string) []string {
		seen := map[string]bool{}
		var found []string
		var walk func(p string)
		walk = func(p string) {
			if seen[p] || p == cut {
				return
			}
			seen[p] = true
			if dockerish(p) {
				found = append(found, p)
			}
			for _, q := range graph[p] {
				walk(q)
			}
		}
		walk(mod + "/cmd/judgectl")
		return found
	}
	if all := reach(""); len(all) == 0 {
		t.Fatal("judgectl reaches no sandbox or Docker package at all: the check below would prove nothing (did problem verify --local move?)")
	}
	if left := reach(wiring); len(left) > 0 {
		t.Errorf("judgectl reaches %v without going through %s", left, wiring)
	}
	for _, pkg := range []string{"pkg/judge", "pkg/judge/verdict", "pkg/judge/verify", "pkg/engine", "pkg/problem", "pkg/run"} {
		for dep := range importGraph(t, mod+"/"+pkg) {
			if dockerish(dep) {
				t.Errorf("%s imports %s: the judging logic must not reach the sandbox or Docker", pkg, dep)
			}
		}
	}
}

// importGraph is pkg's non-test import graph: each package of its dependencies (and itself)
// with the packages it imports.
func importGraph(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	g := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		g[f[0]] = f[1:]
	}
	if _, ok := g[pkg]; !ok {
		t.Fatalf("go list -deps %s does not list the package itself", pkg)
	}
	return g
}
