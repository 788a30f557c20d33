// Package workers owns the TUI's view of the workers: each live worker's slots in use, its
// heartbeat age and the submissions it is judging, from GET /v1/stats.
package workers

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/tui/theme"
)

// Model is the workers view.
type Model struct {
	styles theme.Styles
	now    func() time.Time
	stats  *apiv1.Stats
	width  int
	height int
	offset int // first line of the body shown
}

// New returns an empty view; now is the clock for how long submissions have been running.
func New(s theme.Styles, now func() time.Time) Model { return Model{styles: s, now: now} }

// SetStats shows a fresh /v1/stats answer.
func (m *Model) SetStats(st *apiv1.Stats) {
	m.stats = st
	m.clamp()
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, max(h, 1)
	m.clamp()
}

// Scroll moves the view by n lines.
func (m *Model) Scroll(n int) {
	m.offset += n
	m.clamp()
}

func (m *Model) clamp() {
	m.offset = max(0, min(m.offset, len(m.lines())-m.height+1))
}

var columns = []string{"WORKER", "SLOTS", "BEAT", "SUBMISSION", "PROBLEM", "LANGUAGE", "TRY", "FOR"}

// View renders exactly height lines: a summary, the heading, and one line per running
// submission (an idle worker has one line of its own).
func (m Model) View() string {
	s := m.styles
	out := make([]string, 0, m.height)
	if m.stats == nil {
		out = append(out, s.Dim.Render("waiting for /v1/stats …"))
	} else {
		used, slots := 0, 0
		for _, w := range m.stats.Workers {
			used += len(w.Running)
			slots += w.Slots
		}
		out = append(out, s.Label.Render("workers ")+s.Value.Render(fmt.Sprint(len(m.stats.Workers)))+
			s.Dim.Render(" │ ")+s.Label.Render("slots in use ")+s.Value.Render(fmt.Sprintf("%d/%d", used, slots))+
			s.Dim.Render(" │ ")+s.Label.Render("queued ")+s.Value.Render(fmt.Sprint(m.stats.Queued))+
			s.Dim.Render(" │ ")+s.Label.Render("relay lag ")+s.Value.Render((time.Duration(m.stats.RelayLagMS)*time.Millisecond).String()))
		lines := m.lines()
		end := min(len(lines), m.offset+m.height-1)
		body := lines[m.offset:end]
		if end < len(lines) && len(body) > 0 {
			body[len(body)-1] = s.Dim.Render(fmt.Sprintf("… %d more lines (↓)", len(lines)-end+1))
		}
		out = append(out, body...)
	}
	for len(out) < m.height {
		out = append(out, "")
	}
	for i := range out {
		if m.width > 0 {
			out[i] = ansi.Truncate(out[i], m.width, "…")
		}
	}
	return strings.Join(out[:m.height], "\n")
}

// lines are the heading and the rows, columns sized to their content.
func (m Model) lines() []string {
	if m.stats == nil {
		return nil
	}
	s := m.styles
	type row struct {
		cells []string
		idle  bool
	}
	var rows []row
	for _, w := range m.stats.Workers {
		head := []string{w.Name, fmt.Sprintf("%d/%d", len(w.Running), w.Slots), fmtAge(time.Duration(w.HeartbeatAgeMS) * time.Millisecond)}
		if len(w.Running) == 0 {
			rows = append(rows, row{cells: append(head, "idle", "", "", "", ""), idle: true})
			continue
		}
		for i, r := range w.Running {
			if i > 0 {
				head = []string{"", "", ""}
			}
			problem := r.Problem
			if problem == "" {
				problem = "(ad hoc)"
			}
			id := r.ID
			if len(id) > 8 {
				id = id[:8]
			}
			rows = append(rows, row{cells: append(head, id, problem, r.Language, fmt.Sprint(r.Attempt), fmtAge(m.now().Sub(r.StartedAt)))})
		}
	}
	if len(rows) == 0 {
		return []string{s.Dim.Render("no live workers: start one with `judged worker`")}
	}
	ws := make([]int, len(columns))
	for i, c := range columns {
		ws[i] = len(c)
	}
	for _, r := range rows {
		for i, c := range r.cells {
			ws[i] = max(ws[i], ansi.StringWidth(c))
		}
	}
	pad := func(cells []string) []string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = c + strings.Repeat(" ", ws[i]-ansi.StringWidth(c))
		}
		return out
	}
	lines := []string{s.Header.Render(strings.Join(pad(columns), "  "))}
	for _, r := range rows {
		cells := pad(r.cells)
		if r.idle {
			cells[3] = s.Dim.Render(cells[3])
		} else {
			cells[3] = s.Verdict(apiv1.StatusRunning).Render(cells[3])
		}
		lines = append(lines, strings.TrimRight(strings.Join(cells, "  "), " "))
	}
	return lines
}

// fmtAge renders a duration briefly: 850ms, 12s, 3m4s.
func fmtAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
