// Package header owns the TUI's top lines: queue depth, running submissions, arrival and
// completion rates, live workers and relay lag from GET /v1/stats; the verdicts of the last
// minute; and the server with the active filter.
package header

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
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

// Height is the number of lines View draws.
const Height = 3

// verdictOrder lists verdicts the way a scoreboard reads them: accepted first, then the
// rejections, then the judge's own trouble.
var verdictOrder = []string{apiv1.VerdictAC, apiv1.VerdictPA, apiv1.VerdictWA, apiv1.VerdictTLE, apiv1.VerdictMLE,
	apiv1.VerdictOLE, apiv1.VerdictRE, apiv1.VerdictCE, apiv1.VerdictIE}

// View renders Height lines: the figures, the last minute's verdicts, and the server/filter
// line.
func (m Model) View() string {
	s := m.styles
	item := func(label string, v any) string {
		return s.Label.Render(label+" ") + s.Value.Render(fmt.Sprint(v))
	}
	var line, verdicts string
	if m.stats == nil {
		line = s.Dim.Render("waiting for /v1/stats …")
	} else {
		st := m.stats
		line = strings.Join([]string{
			item("queued", st.Queued),
			item("running", st.Running),
			item("in", perSecond(st.SubmittedLastMin)),
			item("done", perSecond(st.DoneLastMin)),
			item("workers", st.WorkersAlive),
			item("relay lag", (time.Duration(st.RelayLagMS) * time.Millisecond).String()),
		}, s.Dim.Render(" │ "))
		verdicts = m.verdicts()
	}
	if m.err != nil {
		line += "  " + s.Error.Render("stale: "+m.err.Error())
	}
	title := s.Title.Render("judge watch") + "  "
	second := s.Dim.Render(m.Server)
	if m.Filter != "" {
		second += s.Dim.Render("  filter: ") + s.Value.Render(m.Filter)
	}
	return truncate(title+line, m.width) + "\n" + truncate(verdicts, m.width) + "\n" + truncate(second, m.width)
}

// verdicts renders the verdict counts of the last minute.
func (m Model) verdicts() string {
	s := m.styles
	label := s.Label.Render("last minute ")
	var parts []string
	seen := map[string]bool{}
	add := func(v string, n int64) {
		if n > 0 {
			parts = append(parts, s.Verdict(v).Render(v)+" "+s.Value.Render(fmt.Sprint(n)))
		}
		seen[v] = true
	}
	for _, v := range verdictOrder {
		add(v, m.stats.VerdictsLastMin[v])
	}
	for _, v := range slices.Sorted(maps.Keys(m.stats.VerdictsLastMin)) {
		if !seen[v] {
			add(v, m.stats.VerdictsLastMin[v]) // a verdict this client does not know yet
		}
	}
	if len(parts) == 0 {
		return label + s.Dim.Render("no verdicts")
	}
	return label + strings.Join(parts, s.Dim.Render(" · "))
}

// perSecond renders a count per minute as a rate per second.
func perSecond(perMinute int64) string {
	return strconv.FormatFloat(float64(perMinute)/60, 'f', 1, 64) + "/s"
}

func truncate(s string, w int) string {
	if w <= 0 {
		return s
	}
	return ansi.Truncate(s, w, "…")
}
