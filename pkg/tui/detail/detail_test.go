package detail

import (
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/tui/theme"
)

func TestDetailIgnoresLateAnswersAndShowsCompileOutput(t *testing.T) {
	m := New(theme.Plain())
	m.SetSize(80, 20)
	m.Open("b")
	if !strings.Contains(m.View(), "loading b") {
		t.Errorf("before data:\n%s", m.View())
	}
	m, _ = m.Update(Msg{ID: "a", Submission: &apiv1.Submission{ID: "a", Status: apiv1.StatusDone}})
	if strings.Contains(m.View(), "Submission a") || m.Done() {
		t.Errorf("a late answer for another submission was shown:\n%s", m.View())
	}
	m, _ = m.Update(Msg{ID: "b", Submission: &apiv1.Submission{ID: "b", Status: apiv1.StatusDone, Verdict: apiv1.VerdictCE,
		CompileOutput: "main.c:1: error: expected ';'"}})
	v := m.View()
	if !m.Done() || !strings.Contains(v, "Verdict    CE") || !strings.Contains(v, "expected ';'") {
		t.Errorf("CE detail:\n%s", v)
	}
}
