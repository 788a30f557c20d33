package theme

import (
	"image/color"
	"testing"

	"charm.land/lipgloss/v2"
)

// Verdicts take their colour from the judge's classes: accepted green, rejected red, compile
// error, internal error and partial score yellow, queued and running blue.
func TestVerdictColours(t *testing.T) {
	s := New(false)
	for v, want := range map[string]color.Color{
		"AC": lipgloss.Color("10"), "WA": lipgloss.Color("9"), "TLE": lipgloss.Color("9"), "MLE": lipgloss.Color("9"),
		"OLE": lipgloss.Color("9"), "RE": lipgloss.Color("9"), "CE": lipgloss.Color("11"), "IE": lipgloss.Color("11"),
		"PA": lipgloss.Color("11"), "queued": lipgloss.Color("12"), "running": lipgloss.Color("12"),
	} {
		if got := s.Verdict(v).GetForeground(); got != want {
			t.Errorf("Verdict(%q) foreground %v, want %v", v, got, want)
		}
	}
	if got := s.Verdict("XYZ").GetForeground(); got != s.Value.GetForeground() {
		t.Errorf("an unknown verdict is coloured %v, want the plain value style", got)
	}
}
