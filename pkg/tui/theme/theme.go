// Package theme owns the TUI's styles. Every style comes from one lipgloss renderer, so the
// colour profile (none with NO_COLOR, or in tests) is decided once.
package theme

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/judge-dev/judge/pkg/apiv1"
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

// New returns styles rendered for w; noColor forces plain text (NO_COLOR, dumb terminals).
func New(w io.Writer, noColor bool) Styles {
	r := lipgloss.NewRenderer(w)
	if noColor {
		r.SetColorProfile(termenv.Ascii)
	}
	return FromRenderer(r)
}

// Plain returns colourless styles (golden tests, pipes).
func Plain() Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return FromRenderer(r)
}

// FromRenderer builds the styles on r.
func FromRenderer(r *lipgloss.Renderer) Styles {
	return Styles{
		Title:    r.NewStyle().Bold(true),
		Label:    r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "240", Dark: "245"}),
		Value:    r.NewStyle().Bold(true),
		Dim:      r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "244", Dark: "241"}),
		Error:    r.NewStyle().Foreground(lipgloss.Color("9")).Bold(true),
		Header:   r.NewStyle().Bold(true).Underline(true),
		Selected: r.NewStyle().Reverse(true),
		good:     r.NewStyle().Foreground(lipgloss.Color("10")),
		bad:      r.NewStyle().Foreground(lipgloss.Color("9")),
		warn:     r.NewStyle().Foreground(lipgloss.Color("11")),
		pending:  r.NewStyle().Foreground(lipgloss.Color("12")),
	}
}

// Verdict colours a verdict (or a status when there is no verdict yet).
func (s Styles) Verdict(v string) lipgloss.Style {
	switch v {
	case apiv1.VerdictAC:
		return s.good
	case apiv1.VerdictCE, apiv1.VerdictIE, apiv1.VerdictPA:
		return s.warn
	case apiv1.VerdictWA, apiv1.VerdictTLE, apiv1.VerdictMLE, apiv1.VerdictOLE, apiv1.VerdictRE:
		return s.bad
	case apiv1.StatusQueued, apiv1.StatusRunning:
		return s.pending
	}
	return s.Value
}
