// Package detail owns the TUI's view of one submission: summary, per-test results and
// compiler output, scrollable.
package detail

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/tui/theme"
)

// Msg carries a fetched submission, or the error of fetching it.
type Msg struct {
	ID         string
	Submission *apiv1.Submission
	Err        error
}

// Model is the detail view.
type Model struct {
	styles theme.Styles
	vp     viewport.Model
	sub    *apiv1.Submission
	id     string
	err    error
}

// New returns an empty detail view.
func New(s theme.Styles) Model {
	return Model{styles: s, vp: viewport.New()}
}

// Open starts showing submission id (its content arrives later as Msg).
func (m *Model) Open(id string) {
	m.id, m.sub, m.err = id, nil, nil
	m.vp.GotoTop()
	m.render()
}

// ID is the submission shown.
func (m Model) ID() string { return m.id }

// Done reports whether the shown submission has its final result (no more refresh needed).
func (m Model) Done() bool { return m.sub != nil && m.sub.Status == apiv1.StatusDone }

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) {
	m.vp.SetWidth(w)
	m.vp.SetHeight(max(h, 1))
	m.render()
}

// Update takes Msg for the shown submission, and scroll keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if dm, ok := msg.(Msg); ok {
		if dm.ID != m.id {
			return m, nil // a late answer for a submission no longer shown
		}
		if dm.Err != nil {
			m.err = dm.Err
		} else {
			m.sub, m.err = dm.Submission, nil
		}
		m.render()
		return m, nil
	}
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(msg)
	return m, cmd
}

// View renders the visible part.
func (m Model) View() string { return m.vp.View() }

func (m *Model) render() {
	m.vp.SetContent(m.content())
}

func (m Model) content() string {
	s := m.styles
	var b strings.Builder
	if m.err != nil {
		b.WriteString(s.Error.Render("error: "+m.err.Error()) + "\n")
	}
	sub := m.sub
	if sub == nil {
		b.WriteString(s.Dim.Render("loading " + m.id + " …"))
		return b.String()
	}
	field := func(label, value string) {
		fmt.Fprintf(&b, "%s %s\n", s.Label.Render(fmt.Sprintf("%-10s", label)), value)
	}
	field("Submission", s.Value.Render(sub.ID))
	field("Owner", sub.Owner)
	problem := sub.Problem
	if problem == "" {
		problem = "(ad hoc)"
	}
	field("Problem", problem)
	field("Language", sub.Language)
	field("Status", s.Verdict(sub.Status).Render(sub.Status))
	if sub.Verdict != "" {
		v := s.Verdict(sub.Verdict).Render(sub.Verdict)
		if sub.Score != nil {
			v += fmt.Sprintf("  score %g", *sub.Score)
		}
		field("Verdict", v)
		field("Time", fmt.Sprintf("%d ms, %d KB", sub.TimeMS, sub.MemoryKB))
	}
	if sub.Attempt > 1 {
		field("Attempt", fmt.Sprint(sub.Attempt))
	}
	if sub.Message != "" {
		field("Message", sub.Message)
	}
	if len(sub.Tests) > 0 {
		b.WriteString("\n" + s.Header.Render(fmt.Sprintf("%-4s %-24s %-7s %8s %8s %10s", "#", "TEST", "VERDICT", "CPU", "WALL", "MEMORY")) + "\n")
		for _, t := range sub.Tests {
			name := t.Name
			if t.Hidden {
				name += " (hidden)"
			}
			fmt.Fprintf(&b, "%-4d %-24s %s %6dms %6dms %7d KB", t.Index, name,
				s.Verdict(t.Verdict).Render(fmt.Sprintf("%-7s", t.Verdict)), t.TimeMS, t.WallMS, t.MemoryKB)
			if t.Signal != "" {
				b.WriteString("  " + t.Signal)
			} else if t.ExitCode != 0 {
				fmt.Fprintf(&b, "  exit %d", t.ExitCode)
			}
			b.WriteByte('\n')
		}
	}
	if sub.CompileOutput != "" {
		b.WriteString("\n" + s.Header.Render("Compiler output") + "\n")
		b.WriteString(strings.TrimRight(sub.CompileOutput, "\n") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
