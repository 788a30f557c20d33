// Package watch owns `judgectl watch`: the bubbletea program that polls the API for stats and
// recent submissions, composes the header, the submissions table, the detail view and the
// workers view, and maps keys to actions.
package watch

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/client"
	"github.com/judge-dev/judge/pkg/tui/detail"
	"github.com/judge-dev/judge/pkg/tui/header"
	"github.com/judge-dev/judge/pkg/tui/subtable"
	"github.com/judge-dev/judge/pkg/tui/theme"
	"github.com/judge-dev/judge/pkg/tui/workers"
)

// Source is what the program reads; *client.Client satisfies it.
type Source interface {
	Stats(ctx context.Context) (*apiv1.Stats, error)
	Submissions(ctx context.Context, o client.ListOptions) (*apiv1.SubmissionList, error)
	Submission(ctx context.Context, id string) (*apiv1.Submission, error)
}

// Options configure the program.
type Options struct {
	Source Source
	Styles theme.Styles
	// Server is shown in the header.
	Server string
	// Interval between refreshes.
	Interval time.Duration
	// Limit is how many recent submissions are listed.
	Limit  int
	Filter Filter
	// Now is the clock for ages.
	Now func() time.Time
	// Timeout bounds each API call.
	Timeout time.Duration
}

type mode int

const (
	modeList mode = iota
	modeDetail
	modeFilter
	modeWorkers
)

// listMsg carries a submission list fetched for filter; an answer for an older filter is
// dropped, so a slow refresh cannot overwrite what the new filter shows.
type listMsg struct {
	filter Filter
	items  []apiv1.Submission
	err    error
}

// tickMsg triggers a refresh; gen drops ticks of an older refresh loop.
type tickMsg struct{ gen int }

// Model is the whole program.
type Model struct {
	opts    Options
	keys    keyMap
	header  header.Model
	table   subtable.Model
	detail  detail.Model
	workers workers.Model
	help    help.Model
	input   lineInput
	mode    mode
	filter  Filter
	listErr error
	gen     int
	width   int
	height  int
	// interrupted: the user quit with Ctrl-C rather than q, which judgectl reports as SIGINT.
	interrupted bool
}

// Interrupted reports whether the program ended with Ctrl-C (the terminal is in raw mode, so
// Ctrl-C arrives as a key, not as SIGINT).
func (m Model) Interrupted() bool { return m.interrupted }

// New returns the program's model.
func New(o Options) Model {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Limit <= 0 {
		o.Limit = 100
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	h := help.New()
	h.Styles = help.Styles{
		ShortKey: o.Styles.Value, ShortDesc: o.Styles.Label, ShortSeparator: o.Styles.Dim, Ellipsis: o.Styles.Dim,
		FullKey: o.Styles.Value, FullDesc: o.Styles.Label, FullSeparator: o.Styles.Dim,
	}
	in := lineInput{styles: o.Styles, prompt: "filter> "}
	m := Model{
		opts: o, keys: defaultKeys(), header: header.New(o.Styles), table: subtable.New(o.Styles, o.Now),
		detail: detail.New(o.Styles), workers: workers.New(o.Styles, o.Now), help: h, input: in, filter: o.Filter,
	}
	m.header.Server = o.Server
	m.header.Filter = o.Filter.String()
	return m
}

// Init starts the first refresh and the tick loop.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.fetchStats(), m.fetchList(), m.tick())
}

func (m Model) tick() tea.Cmd {
	gen := m.gen
	return tea.Tick(m.opts.Interval, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

func (m Model) fetchStats() tea.Cmd {
	src, timeout := m.opts.Source, m.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		st, err := src.Stats(ctx)
		return header.StatsMsg{Stats: st, Err: err}
	}
}

func (m Model) fetchList() tea.Cmd {
	src, timeout, f, limit := m.opts.Source, m.opts.Timeout, m.filter, m.opts.Limit
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		list, err := src.Submissions(ctx, client.ListOptions{Problem: f.Problem, Verdict: f.Verdict, Owner: f.Owner, Limit: limit})
		if err != nil {
			return listMsg{filter: f, err: err}
		}
		return listMsg{filter: f, items: filterRows(list.Items, f)}
	}
}

func (m Model) fetchDetail(id string) tea.Cmd {
	src, timeout := m.opts.Source, m.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		s, err := src.Submission(ctx, id)
		return detail.Msg{ID: id, Submission: s, Err: err}
	}
}

// refresh fetches what the current screen shows.
func (m Model) refresh() tea.Cmd {
	cmds := []tea.Cmd{m.fetchStats()}
	if m.mode == modeDetail {
		if !m.detail.Done() {
			cmds = append(cmds, m.fetchDetail(m.detail.ID()))
		}
	} else {
		cmds = append(cmds, m.fetchList())
	}
	return tea.Batch(cmds...)
}

// Update handles messages.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tickMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		return m, tea.Batch(m.refresh(), m.tick())
	case header.StatsMsg:
		m.header = m.header.Update(msg)
		if msg.Err == nil {
			m.workers.SetStats(msg.Stats)
		}
		return m, nil
	case listMsg:
		if msg.filter != m.filter {
			return m, nil
		}
		m.listErr = msg.err
		if msg.err == nil {
			m.table.SetRows(msg.items)
		}
		return m, nil
	case detail.Msg:
		m.detail, _ = m.detail.Update(msg)
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if m.mode == modeFilter {
		switch {
		case k.Code == tea.KeyEnter:
			f, err := ParseFilter(m.input.text())
			if err != nil {
				m.listErr = err
				return m, nil
			}
			m.filter, m.listErr, m.mode = f, nil, modeList
			m.header.Filter = f.String()
			m.table.SetRows(filterRows(m.table.Rows(), f)) // at once, until the server answers
			m.layout()
			return m, m.fetchList()
		case k.Code == tea.KeyEscape:
			m.mode = modeList
			m.layout()
			return m, nil
		case k.String() == "ctrl+c":
			m.interrupted = true
			return m, tea.Quit
		}
		m.input = m.input.update(k)
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		m.interrupted = k.String() == "ctrl+c"
		return m, tea.Quit
	case key.Matches(k, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.layout()
		return m, nil
	case key.Matches(k, m.keys.Refresh):
		return m, m.refresh()
	}
	if m.mode == modeDetail {
		if key.Matches(k, m.keys.Back) {
			m.mode = modeList
			return m, m.fetchList()
		}
		var cmd tea.Cmd
		m.detail, cmd = m.detail.Update(k)
		return m, cmd
	}
	if m.mode == modeWorkers {
		t := m.keys.table
		switch {
		case key.Matches(k, m.keys.Workers), key.Matches(k, m.keys.Back):
			m.mode = modeList
			return m, m.fetchList()
		case key.Matches(k, t.Up):
			m.workers.Scroll(-1)
		case key.Matches(k, t.Down):
			m.workers.Scroll(1)
		case key.Matches(k, t.PageUp):
			m.workers.Scroll(-m.bodyHeight())
		case key.Matches(k, t.PageDown):
			m.workers.Scroll(m.bodyHeight())
		}
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Open):
		s, ok := m.table.Selected()
		if !ok {
			return m, nil
		}
		m.mode = modeDetail
		m.detail.Open(s.ID)
		return m, m.fetchDetail(s.ID)
	case key.Matches(k, m.keys.Workers):
		m.mode = modeWorkers
		return m, m.fetchStats()
	case key.Matches(k, m.keys.Filter):
		m.mode = modeFilter
		m.input.set(m.filter.String())
		m.layout()
		return m, nil
	case key.Matches(k, m.keys.ClearFilter):
		m.filter = Filter{}
		m.header.Filter = ""
		return m, m.fetchList()
	}
	var cmd tea.Cmd
	m.table, cmd = m.table.Update(k)
	return m, cmd
}

// layout hands each component its share of the screen: the header, a blank line, the body,
// and the footer (help, or the filter prompt).
func (m *Model) layout() {
	m.header.SetWidth(m.width)
	m.help.SetWidth(m.width)
	body := m.bodyHeight()
	m.table.SetSize(m.width, body)
	m.detail.SetSize(m.width, body)
	m.workers.SetSize(m.width, body)
}

func (m Model) bodyHeight() int {
	return max(m.height-header.Height-1-m.footerHeight(), 1)
}

func (m Model) footerHeight() int {
	return len(splitLines(m.footer()))
}

func (m Model) footer() string {
	var f string
	switch {
	case m.mode == modeFilter:
		f = m.input.view()
	case m.help.ShowAll:
		f = m.help.FullHelpView(m.keys.FullHelp())
	case m.mode == modeWorkers:
		f = m.help.ShortHelpView(m.keys.workersHelp())
	default:
		f = m.help.ShortHelpView(m.keys.ShortHelp())
	}
	if m.listErr != nil {
		f = m.opts.Styles.Error.Render("error: "+m.listErr.Error()) + "\n" + f
	}
	return f
}

// View draws the screen on the alternate screen.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	return v
}

// Render lays the screen out in exactly height lines, so frames replace each other cleanly.
func (m Model) Render() string {
	if m.width == 0 {
		return "" // no size yet: drawing now would only flicker
	}
	body := m.table.View()
	switch m.mode {
	case modeDetail:
		body = m.detail.View()
	case modeWorkers:
		body = m.workers.View()
	}
	lines := append(splitLines(m.header.View()), "")
	lines = append(lines, splitLines(body)...)
	foot := splitLines(m.footer())
	for len(lines)+len(foot) < m.height {
		lines = append(lines, "")
	}
	lines = append(lines[:min(len(lines), max(m.height-len(foot), 0))], foot...)
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.width, "")
	}
	return joinLines(lines)
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func joinLines(ls []string) string {
	n := 0
	for _, l := range ls {
		n += len(l) + 1
	}
	b := make([]byte, 0, n)
	for i, l := range ls {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, l...)
	}
	return string(b)
}
