// Package header owns the TUI's top line: queue depth, running submissions, throughput,
// live workers and relay lag from GET /v1/stats, plus the active filter.
package header

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/tui/theme"
)

// StatsMsg carries a fresh /v1/stats answer, or the error of fetching it.
type StatsMsg struct {
	Stats *apiv1.Stats
	Err   error
}

// Model is the header.
type Model struct {
	styles theme.Styles
	stats  *apiv1.Stats
	err    error
	width  int
	// Server and Filter are shown on the right.
	Server string
	Filter string
}

// New returns an empty header.
func New(s theme.Styles) Model { return Model{styles: s} }

// SetWidth sets the available width.
func (m *Model) SetWidth(w int) { m.width = w }

// Update takes StatsMsg; other messages are ignored.
func (m Model) Update(msg any) Model {
	if sm, ok := msg.(StatsMsg); ok {
		if sm.Err != nil {
			m.err = sm.Err // keep the last figures on screen, marked stale
		} else {
			m.stats, m.err = sm.Stats, nil
		}
	}
	return m
}

// View renders two lines: the figures, and the server/filter line.
func (m Model) View() string {
	s := m.styles
	item := func(label string, v any) string {
		return s.Label.Render(label+" ") + s.Value.Render(fmt.Sprint(v))
	}
	var line string
	if m.stats == nil {
		line = s.Dim.Render("waiting for /v1/stats …")
	} else {
		st := m.stats
		line = strings.Join([]string{
			item("queued", st.Queued),
			item("running", st.Running),
			item("done/min", st.DoneLastMin),
			item("workers", st.WorkersAlive),
			item("relay lag", (time.Duration(st.RelayLagMS) * time.Millisecond).String()),
		}, s.Dim.Render(" │ "))
	}
	if m.err != nil {
		line += "  " + s.Error.Render("stale: "+m.err.Error())
	}
	title := s.Title.Render("judge watch") + "  "
	second := s.Dim.Render(m.Server)
	if m.Filter != "" {
		second += s.Dim.Render("  filter: ") + s.Value.Render(m.Filter)
	}
	return truncate(title+line, m.width) + "\n" + truncate(second, m.width)
}

func truncate(s string, w int) string {
	if w <= 0 {
		return s
	}
	return ansi.Truncate(s, w, "…")
}
