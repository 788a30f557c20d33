package watch

import (
	tea "charm.land/bubbletea/v2"

	"github.com/judge-dev/judge/pkg/tui/theme"
)

// lineInput is a one-line text field for the filter. (bubbles/textinput would pull a
// clipboard module into go.mod for a feature a filter prompt does not need.)
type lineInput struct {
	styles theme.Styles
	prompt string
	value  []rune
}

func (in *lineInput) set(s string) { in.value = []rune(s) }
func (in lineInput) text() string  { return string(in.value) }

func (in lineInput) update(k tea.KeyPressMsg) lineInput {
	switch {
	case k.Code == tea.KeyBackspace:
		if len(in.value) > 0 {
			in.value = in.value[:len(in.value)-1]
		}
	case k.String() == "ctrl+u":
		in.value = nil
	case k.Text != "":
		in.value = append(in.value, []rune(k.Text)...)
	case k.Code == tea.KeySpace:
		in.value = append(in.value, ' ')
	}
	return in
}

func (in lineInput) view() string {
	hint := ""
	if len(in.value) == 0 {
		hint = in.styles.Dim.Render("problem:hello verdict:WA owner:alice")
	}
	return in.styles.Value.Render(in.prompt) + in.styles.Value.Render(string(in.value)) + in.styles.Selected.Render(" ") + hint +
		in.styles.Dim.Render("   enter apply · esc cancel")
}
