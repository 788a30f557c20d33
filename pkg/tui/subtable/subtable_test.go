package subtable

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/tui/theme"
)

func subs(ids ...int) []apiv1.Submission {
	var out []apiv1.Submission
	for _, i := range ids {
		out = append(out, apiv1.Submission{ID: fmt.Sprintf("s%d", i), Status: apiv1.StatusQueued})
	}
	return out
}

func TestCursorFollowsSubmissionAcrossRefresh(t *testing.T) {
	m := New(theme.Plain(), time.Now)
	m.SetSize(80, 4)
	m.SetRows(subs(5, 4, 3, 2, 1))
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	if s, _ := m.Selected(); s.ID != "s3" {
		t.Fatalf("selected %s, want s3", s.ID)
	}
	m.SetRows(subs(7, 6, 5, 4, 3, 2, 1)) // two new submissions arrive on top
	if s, _ := m.Selected(); s.ID != "s3" {
		t.Errorf("after refresh selected %s, want s3 still", s.ID)
	}
	m.SetRows(subs(2, 1)) // s3 is gone: the cursor stays in range
	if s, ok := m.Selected(); !ok || s.ID != "s1" {
		t.Errorf("after shrink selected %v %v, want s1", s.ID, ok)
	}
}

func TestScrollKeepsCursorVisible(t *testing.T) {
	m := New(theme.Plain(), time.Now)
	m.SetSize(80, 4) // heading + 3 rows
	m.SetRows(subs(1, 2, 3, 4, 5, 6, 7, 8))
	m, _ = m.Update(tea.KeyPressMsg{Code: 'G', Text: "G"})
	v := m.View()
	if lines := strings.Split(v, "\n"); len(lines) != 4 || !strings.HasPrefix(lines[3], "> s8") {
		t.Errorf("after G:\n%s", v)
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: 'g', Text: "g"})
	if !strings.Contains(strings.Split(m.View(), "\n")[1], "> s1") {
		t.Errorf("after g:\n%s", m.View())
	}
}

func TestEmpty(t *testing.T) {
	m := New(theme.Plain(), time.Now)
	m.SetSize(80, 3)
	if !strings.Contains(m.View(), "no submissions match") {
		t.Errorf("empty view:\n%s", m.View())
	}
	if _, ok := m.Selected(); ok {
		t.Error("Selected on an empty table")
	}
}

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{-time.Second: "0s", 5 * time.Second: "5s", 3 * time.Minute: "3m", 5 * time.Hour: "5h", 72 * time.Hour: "3d"} {
		if got := age(d); got != want {
			t.Errorf("age(%v) = %q, want %q", d, got, want)
		}
	}
}

// Columns are as wide as their content: a short problem name leaves no wide empty column, and
// a narrow screen shrinks PROBLEM first.
func TestColumnsSizedToContent(t *testing.T) {
	m := New(theme.Plain(), func() time.Time { return time.Unix(1000, 0) })
	m.SetRows([]apiv1.Submission{
		{ID: "0b8e3c52-7d4a", Owner: "al", Problem: "sum", Language: "c", Status: "done", Verdict: "AC", TimeMS: 12, CreatedAt: time.Unix(990, 0)},
		{ID: "1a2b3c4d-0000", Owner: "bob", Problem: "hello", Language: "python3", Status: "running", CreatedAt: time.Unix(999, 0)},
	})
	m.SetSize(160, 5)
	head := strings.Split(m.View(), "\n")[0]
	if !strings.Contains(head, "PROBLEM  LANGUAGE") {
		t.Errorf("PROBLEM is wider than its content (\"hello\"): %q", head)
	}
	for _, l := range strings.Split(m.View(), "\n") {
		if w := ansi.StringWidth(strings.TrimRight(l, " ")); w > 70 {
			t.Errorf("a row of short cells is %d columns wide on a 160-column screen: %q", w, l)
		}
	}
	long := strings.Repeat("p", 40)
	m.SetRows([]apiv1.Submission{{ID: "x", Owner: "o", Problem: long, Language: "c", Status: "done", Verdict: "WA"}})
	if v := m.View(); !strings.Contains(v, strings.Repeat("p", 23)+"…") {
		t.Errorf("a 40-character problem is not cut at the column's maximum (24):\n%s", v)
	}
	m.SetSize(50, 5)
	for _, l := range strings.Split(m.View(), "\n") {
		if w := ansi.StringWidth(l); w > 50 {
			t.Errorf("row of width %d on a 50-column screen: %q", w, l)
		}
	}
}
