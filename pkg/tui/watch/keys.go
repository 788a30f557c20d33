package watch

import (
	"charm.land/bubbles/v2/key"

	"github.com/judge-dev/judge/pkg/tui/subtable"
)

// keyMap is every key of the program; it implements help.KeyMap.
type keyMap struct {
	table       subtable.KeyMap
	Open        key.Binding
	Back        key.Binding
	Filter      key.Binding
	ClearFilter key.Binding
	Workers     key.Binding
	Refresh     key.Binding
	Help        key.Binding
	Quit        key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		table:       subtable.DefaultKeyMap(),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Back:        key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "clear filter")),
		Workers:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "workers")),
		Refresh:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:        key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.table.Up, k.table.Down, k.Open, k.Filter, k.Workers, k.Help, k.Quit}
}

// workersHelp is the short help of the workers view.
func (k keyMap) workersHelp() []key.Binding {
	back := key.NewBinding(key.WithKeys("w", "esc"), key.WithHelp("w/esc", "back"))
	return []key.Binding{k.table.Up, k.table.Down, back, k.Refresh, k.Help, k.Quit}
}

func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.table.Up, k.table.Down, k.table.PageUp, k.table.PageDown, k.table.Top, k.table.Bottom},
		{k.Open, k.Back, k.Workers, k.Refresh},
		{k.Filter, k.ClearFilter, k.Help, k.Quit},
	}
}
