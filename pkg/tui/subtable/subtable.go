// Package subtable owns the TUI's live table of recent submissions: columns, the cursor that
// stays on the same submission across refreshes, and scrolling.
package subtable

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/tui/theme"
)

// KeyMap are the table's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

// DefaultKeyMap is vi- and arrow-friendly.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", "space"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
	}
}

// Model is the table.
type Model struct {
	styles theme.Styles
	keys   KeyMap
	now    func() time.Time
	rows   []apiv1.Submission
	cursor int
	offset int
	width  int
	height int // rows of data, excluding the heading
}

// New returns an empty table; now is the clock used for the AGE column.
func New(s theme.Styles, now func() time.Time) Model {
	return Model{styles: s, keys: DefaultKeyMap(), now: now}
}

// Keys returns the key map, for help.
func (m Model) Keys() KeyMap { return m.keys }

// SetSize sets the width and the total height (heading included).
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, max(h-1, 1)
	m.clamp()
}

// SetRows replaces the rows, keeping the cursor on the same submission when it is still there.
func (m *Model) SetRows(rows []apiv1.Submission) {
	var sel string
	if s, ok := m.Selected(); ok {
		sel = s.ID
	}
	m.rows = rows
	for i, r := range rows {
		if r.ID == sel {
			m.cursor = i
			break
		}
	}
	m.clamp()
}

// Rows returns the rows shown.
func (m Model) Rows() []apiv1.Submission { return m.rows }

// Len is the number of rows.
func (m Model) Len() int { return len(m.rows) }

// Selected returns the submission under the cursor.
func (m Model) Selected() (apiv1.Submission, bool) {
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return apiv1.Submission{}, false
	}
	return m.rows[m.cursor], true
}

func (m *Model) clamp() {
	m.cursor = min(max(m.cursor, 0), max(len(m.rows)-1, 0))
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.height > 0 && m.cursor >= m.offset+m.height {
		m.offset = m.cursor - m.height + 1
	}
	m.offset = max(0, min(m.offset, max(len(m.rows)-m.height, 0)))
}

// Update moves the cursor on key presses.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Up):
		m.cursor--
	case key.Matches(k, m.keys.Down):
		m.cursor++
	case key.Matches(k, m.keys.PageUp):
		m.cursor -= m.height
	case key.Matches(k, m.keys.PageDown):
		m.cursor += m.height
	case key.Matches(k, m.keys.Top):
		m.cursor = 0
	case key.Matches(k, m.keys.Bottom):
		m.cursor = len(m.rows) - 1
	}
	m.clamp()
	return m, nil
}

// marker starts the selected row.
const marker = "> "

// columns of the table. Each is as wide as its widest cell (or title), up to max; when the
// screen is too narrow, the columns that shrink give way down to their title's width, in order.
var columns = []struct {
	title string
	max   int
}{{"ID", 8}, {"OWNER", 16}, {"PROBLEM", 24}, {"LANGUAGE", 12}, {"STATUS", 7}, {"VERDICT", 7}, {"TIME", 8}, {"AGE", 5}}

// sep separates columns.
const sep = "  "

// shrinkOrder: the columns that give way when the screen is narrow, first to last.
var shrinkOrder = []int{2, 1, 3}

// cells are the texts of a row, in column order.
func (m Model) cells(s apiv1.Submission) []string {
	tm := ""
	if s.Status == apiv1.StatusDone {
		tm = fmt.Sprintf("%dms", s.TimeMS)
	}
	problem := s.Problem
	if problem == "" {
		problem = "(ad hoc)"
	}
	return []string{shortID(s.ID), s.Owner, problem, s.Language, s.Status, s.Verdict, tm, age(m.now().Sub(s.CreatedAt))}
}

// widths sizes the columns to their content, so a short problem name does not leave a wide
// empty PROBLEM column: what is left of the screen stays empty on the right.
func (m Model) widths() []int {
	ws := make([]int, len(columns))
	for i, c := range columns {
		ws[i] = ansi.StringWidth(c.title)
	}
	for _, r := range m.rows {
		for i, c := range m.cells(r) {
			ws[i] = max(ws[i], min(ansi.StringWidth(c), columns[i].max))
		}
	}
	total := len(marker) + len(sep)*(len(ws)-1)
	for _, w := range ws {
		total += w
	}
	for _, i := range shrinkOrder {
		if total <= m.width || m.width == 0 {
			break
		}
		cut := min(total-m.width, ws[i]-ansi.StringWidth(columns[i].title))
		ws[i] -= cut
		total -= cut
	}
	return ws
}

func cell(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	return s + strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
}

// View renders the heading and the visible rows, exactly height+1 lines.
func (m Model) View() string {
	ws := m.widths()
	var b strings.Builder
	head := make([]string, len(columns))
	for i, c := range columns {
		head[i] = cell(c.title, ws[i])
	}
	b.WriteString(m.fit("  " + m.styles.Header.Render(strings.Join(head, sep))))
	for i := m.offset; i < m.offset+m.height; i++ {
		b.WriteByte('\n')
		if i >= len(m.rows) {
			if i == 0 {
				b.WriteString(m.styles.Dim.Render("no submissions match"))
			}
			continue
		}
		b.WriteString(m.fit(m.row(m.rows[i], ws, i == m.cursor)))
	}
	return b.String()
}

func (m Model) row(s apiv1.Submission, ws []int, selected bool) string {
	verdict := s.Verdict
	cells := m.cells(s)
	plain := make([]string, len(cells))
	for i, c := range cells {
		plain[i] = cell(c, ws[i])
	}
	if selected {
		// The marker keeps the cursor visible without colours (NO_COLOR, plain terminals).
		return marker + m.styles.Selected.Render(strings.Join(plain, sep))
	}
	plain[4] = m.styles.Verdict(s.Status).Render(plain[4])
	plain[5] = m.styles.Verdict(verdict).Render(plain[5])
	return "  " + strings.Join(plain, sep)
}

// fit cuts a line to the screen when even the narrowest columns do not fit.
func (m Model) fit(line string) string {
	if m.width <= 0 {
		return line
	}
	return ansi.Truncate(line, m.width, "")
}

// shortID keeps the first 8 characters of an ID (the UUID's first group), like a short git
// hash; the detail view shows it whole.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// age renders a duration the way `kubectl get` does: 45s, 12m, 3h, 2d.
func age(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
