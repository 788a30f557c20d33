package judgectlcmd

import (
	"crypto/rand"
	"strings"
	"testing"
)

// Long steps draw a progress bar on standard error when it is a terminal, and nothing when it
// is not (pipes, CI logs).
func TestProgressBarsOnlyOnTerminals(t *testing.T) {
	api := newFakeAPI(t)
	// An incompressible test file makes the upload take several reads.
	big := make([]byte, 256<<10)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	pkg := writeTree(t, map[string]string{
		"problem.yaml": "name: Big\n", "data/sample/1.in": "", "data/sample/1.ans": "1\n",
		"data/secret/1.in": string(big), "data/secret/1.ans": "1\n",
		"submissions/accepted/ok.py": "# AC\n", "submissions/wrong_answer/bad.py": "# WA\n",
	})
	grades := t.TempDir()
	writeFile(t, grades, "alice.py", "AC")
	writeFile(t, grades, "bob.py", "WA")
	tests := []struct {
		name string
		args []string
		bar  string
	}{
		{"push", []string{"problem", "push", pkg, "--slug", "big"}, "uploading big"},
		{"grade", []string{"grade", grades, "-p", "hello", "--force"}, "grading"},
		{"verify", []string{"problem", "verify", pkg, "--slug", "big"}, "judging"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tty := range []bool{true, false} {
				f, _, _ := newTestFactory(t, api.env())
				f.IO.ErrTTY = tty
				r := judgectl(t, f, tt.args...)
				if r.code != ExitOK {
					t.Fatalf("tty %v: exit %d\n%s%s", tty, r.code, r.out, r.errOut)
				}
				drew := strings.Contains(r.errOut, tt.bar) && strings.Contains(r.errOut, "\r")
				if tty && !drew {
					t.Errorf("terminal: no %q progress bar on stderr: %q", tt.bar, r.errOut)
				}
				if !tty && (strings.Contains(r.errOut, tt.bar) || strings.Contains(r.errOut, "\r")) {
					t.Errorf("not a terminal: a progress bar was drawn: %q", r.errOut)
				}
				if strings.Contains(r.out, "\r") {
					t.Errorf("the bar leaked into stdout: %q", r.out)
				}
			}
		})
	}
	if got := len(api.problems["big"]); got < 256<<10 {
		t.Errorf("uploaded %d bytes, want the whole archive (> 256 KiB)", got)
	}
}
