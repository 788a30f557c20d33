// Package theme owns the TUI's styles, so the choice between colours and plain text (NO_COLOR,
// dumb terminals, tests) is made in one place. Styles carry fixed colours: nothing here asks
// the terminal for its background, so building them never waits on the terminal.
package theme

import (
	"charm.land/lipgloss/v2"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/judge/verdict"
)

// Styles are the TUI's styles.
type Styles struct {
	Title    lipgloss.Style
	Label    lipgloss.Style
	Value    lipgloss.Style
	Dim      lipgloss.Style
	Error    lipgloss.Style
	Header   lipgloss.Style // column headings
	Selected lipgloss.Style // the highlighted row
	good     lipgloss.Style
	bad      lipgloss.Style
	warn     lipgloss.Style
	pending  lipgloss.Style
}

// New returns the styles; noColor gives plain text (NO_COLOR, dumb terminals).
func New(noColor bool) Styles {
	if noColor {
		return Plain()
	}
	s := lipgloss.NewStyle
	return Styles{
		Title:    s().Bold(true),
		Label:    s().Foreground(lipgloss.Color("245")), // mid grey: readable on dark and light backgrounds
		Value:    s().Bold(true),
		Dim:      s().Foreground(lipgloss.Color("243")),
		Error:    s().Foreground(lipgloss.Color("9")).Bold(true),
		Header:   s().Bold(true).Underline(true),
		Selected: s().Reverse(true),
		good:     s().Foreground(lipgloss.Color("10")),
		bad:      s().Foreground(lipgloss.Color("9")),
		warn:     s().Foreground(lipgloss.Color("11")),
		pending:  s().Foreground(lipgloss.Color("12")),
	}
}

// Plain returns styles that add no escape sequences at all (NO_COLOR, golden tests).
func Plain() Styles {
	p := lipgloss.NewStyle()
	return Styles{Title: p, Label: p, Value: p, Dim: p, Error: p, Header: p, Selected: p, good: p, bad: p, warn: p, pending: p}
}

// Verdict colours a verdict as the API sends it (or a status when there is no verdict yet):
// accepted is good, a run the program got rejected bad, a compile error, the judge's error or a
// partial score a warning.
func (s Styles) Verdict(v string) lipgloss.Style {
	switch v {
	case apiv1.StatusQueued, apiv1.StatusRunning:
		return s.pending
	}
	vd, err := apiv1.ParseVerdict(v)
	switch {
	case err != nil || vd == "":
		return s.Value
	case vd.Accepted():
		return s.good
	case vd.Rejected() && vd != verdict.CE:
		return s.bad
	}
	return s.warn // CE, IE, PA
}
