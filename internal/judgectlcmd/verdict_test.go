package judgectlcmd

import "testing"

// The CLI's exit codes, names and marks come from the judge's verdict classes, read from the
// wire strings the server sends.
func TestVerdictClasses(t *testing.T) {
	tests := []struct {
		wire, name, mark string
		exit             int
	}{
		{"AC", "accepted", "✅", ExitOK},
		{"WA", "wrong answer", "❌", ExitRejected},
		{"TLE", "time limit exceeded", "❌", ExitRejected},
		{"MLE", "memory limit exceeded", "❌", ExitRejected},
		{"OLE", "output limit exceeded", "❌", ExitRejected},
		{"RE", "runtime error", "❌", ExitRejected},
		{"PA", "partially accepted", "❌", ExitRejected},
		{"CE", "compile error", "❌", ExitCompile},
		{"IE", "internal error", "⚠️", ExitFailure},
		{"XYZ", "XYZ", "❌", ExitFailure}, // a verdict this judgectl does not know
		{"", "", "⏳", ExitFailure},
	}
	for _, tc := range tests {
		if got := verdictExit(tc.wire); got != tc.exit {
			t.Errorf("verdictExit(%q) = %d, want %d", tc.wire, got, tc.exit)
		}
		if got := verdictName(tc.wire); got != tc.name {
			t.Errorf("verdictName(%q) = %q, want %q", tc.wire, got, tc.name)
		}
		if got := verdictMark(tc.wire); got != tc.mark {
			t.Errorf("verdictMark(%q) = %q, want %q", tc.wire, got, tc.mark)
		}
	}
}
