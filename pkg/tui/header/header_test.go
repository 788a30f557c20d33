package header

import (
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/tui/theme"
)

func TestHeaderKeepsFiguresWhenStale(t *testing.T) {
	m := New(theme.Plain())
	m.SetWidth(200)
	if !strings.Contains(m.View(), "waiting for /v1/stats") {
		t.Errorf("empty header:\n%s", m.View())
	}
	m = m.Update(StatsMsg{Stats: &apiv1.Stats{Queued: 7, Running: 1, DoneLastMin: 3, WorkersAlive: 2, RelayLagMS: 1500,
		SubmittedLastMin: 90, VerdictsLastMin: map[string]int64{"WA": 2, "AC": 40, "XX": 1}}})
	m = m.Update(StatsMsg{Err: errors.New("timeout")})
	v := m.View()
	if n := strings.Count(v, "\n") + 1; n != Height {
		t.Errorf("header has %d lines, want %d", n, Height)
	}
	for _, s := range []string{"queued 7", "running 1", "in 1.5/s", "done 0.1/s", "workers 2", "relay lag 1.5s", "stale: timeout",
		"last minute AC 40 · WA 2 · XX 1"} {
		if !strings.Contains(v, s) {
			t.Errorf("header lacks %q:\n%s", s, v)
		}
	}
}

func TestHeaderFitsWidth(t *testing.T) {
	m := New(theme.Plain())
	m.Server, m.Filter = "http://a-very-long-server-name.example:8080", "problem:hello"
	m = m.Update(StatsMsg{Stats: &apiv1.Stats{Queued: 1}})
	m.SetWidth(30)
	for _, l := range strings.Split(m.View(), "\n") {
		if w := ansi.StringWidth(l); w > 30 {
			t.Errorf("line of width %d > 30: %q", w, l)
		}
	}
}

func TestHeaderWithoutVerdicts(t *testing.T) {
	m := New(theme.Plain())
	m = m.Update(StatsMsg{Stats: &apiv1.Stats{}})
	if v := m.View(); !strings.Contains(v, "last minute no verdicts") || !strings.Contains(v, "in 0.0/s") {
		t.Errorf("idle header:\n%s", v)
	}
}
