package judgectlcmd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestArtifactsAreFresh fails when the committed completions or man pages no longer match
// the command tree.
func TestArtifactsAreFresh(t *testing.T) {
	arts, err := Artifacts()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..", "..")
	const fix = "regenerate with `go generate ./internal/judgectlcmd` (or `make completions`) and commit the result"
	for rel, want := range arts {
		got, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Errorf("%s: %v; %s", rel, err, fix)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale; %s", rel, fix)
		}
	}
	old, _ := filepath.Glob(filepath.Join(root, "docs/man", "judgectl*.1"))
	for _, p := range old {
		rel, _ := filepath.Rel(root, p)
		if _, ok := arts[rel]; !ok {
			t.Errorf("%s documents a command that no longer exists; %s", rel, fix)
		}
	}
	if len(arts) < 20 {
		t.Errorf("only %d artifacts generated; the command tree looks incomplete", len(arts))
	}
}

func TestCompletionCommand(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		f, _, _ := newTestFactory(t, nil)
		r := judgectl(t, f, "completion", shell)
		if r.code != 0 || len(r.out) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes", shell, r.code, len(r.out))
		}
	}
}

// Every man page says how the command exits and what environment it reads.
func TestManPagesHaveExitStatusAndEnvironment(t *testing.T) {
	arts, err := Artifacts()
	if err != nil {
		t.Fatal(err)
	}
	pages := 0
	for rel, page := range arts {
		if filepath.Ext(rel) != ".1" {
			continue
		}
		pages++
		for _, sec := range []string{".SH EXIT STATUS\n.TP\n", ".SH ENVIRONMENT\n.TP\n\\fBJUDGE_SERVER\\fP", "\\fB130\\fP"} {
			if !bytes.Contains(page, []byte(sec)) && !(sec == "\\fB130\\fP" && bytes.Contains(page, []byte("validate"))) {
				t.Errorf("%s lacks %q", rel, sec)
			}
		}
	}
	if !bytes.Contains(arts["docs/man/judgectl-validate.1"], []byte("\\fB42\\fP\naccepted")) {
		t.Errorf("validate's man page does not list its own exit codes")
	}
	if pages < 20 {
		t.Errorf("only %d man pages", pages)
	}
}
