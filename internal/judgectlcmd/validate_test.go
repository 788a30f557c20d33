package judgectlcmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateCommand(t *testing.T) {
	tests := []struct {
		name     string
		answer   string
		output   string
		flags    []string
		wantCode int
		wantMsg  string // substring of judgemessage.txt; empty means no file
	}{
		{"accept", "42\n", "42", nil, 42, ""},
		{"reject", "42\n", "41\n", nil, 43, `expected "42", got "41"`},
		{"float accept", "3.14159\n", "3.1416", []string{"float_tolerance", "1e-4"}, 42, ""},
		{"case sensitive reject", "Yes", "yes", []string{"case_sensitive"}, 43, "token 1"},
		{"bad flag", "1", "1", []string{"float_tolerance"}, ExitFailure, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "1.in")
			ans := filepath.Join(dir, "1.ans")
			fb := filepath.Join(dir, "feedback")
			for p, c := range map[string]string{in: "", ans: tc.answer} {
				if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Mkdir(fb, 0o755); err != nil {
				t.Fatal(err)
			}
			ios, stdin, _, _ := TestStreams()
			stdin.WriteString(tc.output)
			code := Run(context.Background(), append([]string{"validate", in, ans, fb + "/"}, tc.flags...), ios)
			if code != tc.wantCode {
				t.Fatalf("exit code %d, want %d", code, tc.wantCode)
			}
			msg, err := os.ReadFile(filepath.Join(fb, "judgemessage.txt"))
			if tc.wantMsg == "" {
				if err == nil {
					t.Fatalf("unexpected judgemessage.txt: %s", msg)
				}
				return
			}
			if err != nil || !strings.Contains(string(msg), tc.wantMsg) {
				t.Fatalf("judgemessage.txt = %q (%v), want it to contain %q", msg, err, tc.wantMsg)
			}
		})
	}
}

func TestValidateCommandMissingFiles(t *testing.T) {
	ios, _, _, errOut := TestStreams()
	dir := t.TempDir()
	code := Run(context.Background(), []string{"validate", filepath.Join(dir, "no.in"), filepath.Join(dir, "no.ans"), dir}, ios)
	if code != ExitFailure || !strings.Contains(errOut.String(), "judge input") {
		t.Fatalf("exit %d, stderr %q; want %d and a message naming the judge input", code, errOut.String(), ExitFailure)
	}
}
