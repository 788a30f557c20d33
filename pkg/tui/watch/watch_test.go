package watch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/client"
	"github.com/judge-dev/judge/pkg/tui/header"
	"github.com/judge-dev/judge/pkg/tui/theme"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// fakeSource serves fixed submissions; it records the list filters it was asked for.
type fakeSource struct {
	mu      sync.Mutex
	subs    []apiv1.Submission
	queries []client.ListOptions
	statErr error
}

func (f *fakeSource) Stats(context.Context) (*apiv1.Stats, error) {
	if f.statErr != nil {
		return nil, f.statErr
	}
	return &apiv1.Stats{Queued: 4, Running: 2, DoneLastMin: 57, WorkersAlive: 2, RelayLagMS: 120,
		SubmittedLastMin: 66, VerdictsLastMin: map[string]int64{"AC": 40, "WA": 12, "TLE": 5},
		Workers: []apiv1.WorkerStats{
			{Name: "worker-a", Slots: 4, HeartbeatAgeMS: 800, Running: []apiv1.RunningSubmission{
				{ID: "sub-0001", Problem: "hello", Language: "python3", Attempt: 1, StartedAt: t0.Add(-4 * time.Second)}}},
			{Name: "worker-b", Slots: 2, HeartbeatAgeMS: 2100},
		}}, nil
}

func (f *fakeSource) Submissions(_ context.Context, o client.ListOptions) (*apiv1.SubmissionList, error) {
	f.mu.Lock()
	f.queries = append(f.queries, o)
	f.mu.Unlock()
	return &apiv1.SubmissionList{Items: f.subs}, nil
}

func (f *fakeSource) Submission(_ context.Context, id string) (*apiv1.Submission, error) {
	for _, s := range f.subs {
		if s.ID == id {
			return &s, nil
		}
	}
	return nil, errors.New("not found")
}

func newSource() *fakeSource {
	mk := func(i int, owner, problem, lang, status, verdict string) apiv1.Submission {
		s := apiv1.Submission{ID: fmt.Sprintf("sub-%04d", i), Owner: owner, Problem: problem, Language: lang,
			Status: status, Verdict: verdict, TimeMS: 10 * i, MemoryKB: 1024 * int64(i), CreatedAt: t0.Add(-time.Duration(i*7) * time.Second)}
		if status == apiv1.StatusDone && verdict != apiv1.VerdictCE {
			for j := 1; j <= 3; j++ {
				v := apiv1.VerdictAC
				if j == 3 {
					v = verdict
				}
				s.Tests = append(s.Tests, apiv1.TestResult{Index: j, Name: fmt.Sprintf("secret/%02d", j), Hidden: true, Verdict: v, TimeMS: j * 3, WallMS: j * 4, MemoryKB: 3000})
			}
		}
		return s
	}
	return &fakeSource{subs: []apiv1.Submission{
		mk(1, "alice", "hello", "python3", apiv1.StatusRunning, ""),
		mk(2, "bob", "hello", "c", apiv1.StatusDone, apiv1.VerdictWA),
		mk(3, "carol", "sum", "cpp", apiv1.StatusDone, apiv1.VerdictAC),
		mk(4, "alice", "sum", "rust", apiv1.StatusQueued, ""),
		mk(5, "dave", "hello", "java", apiv1.StatusDone, apiv1.VerdictTLE),
	}}
}

func newModel(src Source) Model {
	return New(Options{Source: src, Styles: theme.Plain(), Server: "http://judge.test:8080",
		Interval: 20 * time.Millisecond, Now: func() time.Time { return t0 }})
}

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// finalView quits and returns the last frame the model would draw.
func finalView(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model).Render()
}

func TestListFrame(t *testing.T) {
	tm := teatest.NewTestModel(t, newModel(newSource()), teatest.WithInitialTermSize(100, 14))
	waitFor(t, tm, "sub-0005")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
	golden.RequireEqual(t, []byte(finalView(t, tm)))
}

func TestDetailFrame(t *testing.T) {
	tm := teatest.NewTestModel(t, newModel(newSource()), teatest.WithInitialTermSize(100, 20))
	waitFor(t, tm, "sub-0005")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "secret/03")
	golden.RequireEqual(t, []byte(finalView(t, tm)))
}

func TestHelpFrame(t *testing.T) {
	tm := teatest.NewTestModel(t, newModel(newSource()), teatest.WithInitialTermSize(100, 16))
	waitFor(t, tm, "sub-0005")
	tm.Send(tea.KeyPressMsg{Code: '?', Text: "?"})
	waitFor(t, tm, "clear filter")
	golden.RequireEqual(t, []byte(finalView(t, tm)))
}

func TestFilterIsSentAndApplied(t *testing.T) {
	src := newSource()
	tm := teatest.NewTestModel(t, newModel(src), teatest.WithInitialTermSize(100, 14))
	waitFor(t, tm, "sub-0005")
	tm.Send(tea.KeyPressMsg{Code: '/', Text: "/"})
	tm.Type("problem:hello verdict:wa")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "filter: problem:hello verdict:WA")
	// Poll until the filtered query reached the source (the fetch runs in its own goroutine).
	sent := func() bool {
		src.mu.Lock()
		defer src.mu.Unlock()
		for _, q := range src.queries {
			if q.Problem == "hello" && q.Verdict == "WA" {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(5 * time.Second); !sent() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !sent() {
		t.Errorf("the filter never reached the API")
	}
	view := finalView(t, tm)
	if !strings.Contains(view, "sub-0002") || strings.Contains(view, "sub-0001") || strings.Contains(view, "sub-0005") {
		t.Errorf("filtered view shows the wrong rows:\n%s", view)
	}
}

func TestResizeKeepsExactHeightAndWidth(t *testing.T) {
	m := newModel(newSource())
	var tm tea.Model = m
	tm, _ = tm.Update(listMsg{items: newSource().subs})
	for _, size := range [][2]int{{100, 14}, {60, 10}, {140, 30}, {40, 6}} {
		tm, _ = tm.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		lines := strings.Split(tm.(Model).Render(), "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines, want %d", size[0], size[1], len(lines), size[1])
		}
		for _, l := range lines {
			if w := len([]rune(l)); w > size[0] {
				t.Errorf("%dx%d: line wider than the screen (%d): %q", size[0], size[1], w, l)
			}
		}
	}
}

func TestStatsErrorKeepsLastFigures(t *testing.T) {
	src := newSource()
	src.statErr = errors.New("connection refused")
	tm := teatest.NewTestModel(t, newModel(src), teatest.WithInitialTermSize(120, 10))
	waitFor(t, tm, "stale: connection refused")
	view := finalView(t, tm)
	if !strings.Contains(view, "sub-0001") {
		t.Errorf("table missing while stats fail:\n%s", view)
	}
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in   string
		want Filter
		err  bool
	}{
		{"", Filter{}, false},
		{"hello", Filter{Problem: "hello"}, false},
		{"verdict:wa owner:bob p:sum", Filter{Problem: "sum", Verdict: "WA", Owner: "bob"}, false},
		{"colour:red", Filter{}, true},
		{"owner:", Filter{}, true},
	}
	for _, tt := range tests {
		got, err := ParseFilter(tt.in)
		if (err != nil) != tt.err || (!tt.err && got != tt.want) {
			t.Errorf("ParseFilter(%q) = %+v, %v; want %+v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestNoColorHasNoEscapes(t *testing.T) {
	m := New(Options{Source: newSource(), Styles: theme.New(true), Now: func() time.Time { return t0 }})
	var tm tea.Model = m
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: 100, Height: 12})
	tm, _ = tm.Update(listMsg{items: newSource().subs})
	if v := tm.(Model).Render(); strings.Contains(v, "\x1b[") {
		t.Errorf("NO_COLOR view has escape sequences: %q", v)
	}
}

func TestLateListForOldFilterIsDropped(t *testing.T) {
	var tm tea.Model = newModel(newSource())
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: 100, Height: 14})
	tm, _ = tm.Update(listMsg{items: newSource().subs})
	tm, _ = tm.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	for _, r := range "verdict:WA" {
		tm, _ = tm.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	tm, _ = tm.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if v := tm.(Model).Render(); !strings.Contains(v, "sub-0002") || strings.Contains(v, "sub-0001") {
		t.Fatalf("the filter is not applied at once:\n%s", v)
	}
	// A refresh that left before the filter was applied answers late: it must not win.
	tm, _ = tm.Update(listMsg{filter: Filter{}, items: newSource().subs})
	if v := tm.(Model).Render(); strings.Contains(v, "sub-0001") {
		t.Errorf("a late unfiltered answer replaced the filtered rows:\n%s", v)
	}
}

func TestWorkersFrame(t *testing.T) {
	tm := teatest.NewTestModel(t, newModel(newSource()), teatest.WithInitialTermSize(100, 14))
	waitFor(t, tm, "sub-0005")
	tm.Send(tea.KeyPressMsg{Code: 'w', Text: "w"})
	waitFor(t, tm, "slots in use")
	golden.RequireEqual(t, []byte(finalView(t, tm)))
}

func TestWorkersToggle(t *testing.T) {
	var tm tea.Model = newModel(newSource())
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: 120, Height: 16})
	tm, _ = tm.Update(listMsg{items: newSource().subs})
	st, _ := newSource().Stats(context.Background())
	tm, _ = tm.Update(header.StatsMsg{Stats: st})
	if v := tm.(Model).Render(); !strings.Contains(v, "w workers") || !strings.Contains(v, "last minute AC 40 · WA 12 · TLE 5") || !strings.Contains(v, "in 1.1/s") {
		t.Errorf("list view lacks the workers key or the last minute's figures:\n%s", v)
	}
	tm, _ = tm.Update(tea.KeyPressMsg{Code: 'w', Text: "w"})
	v := tm.(Model).Render()
	for _, want := range []string{"slots in use 1/6", "worker-a  1/4", "sub-0001", "worker-b  0/2", "idle"} {
		if !strings.Contains(v, want) {
			t.Errorf("workers view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "sub-0005") {
		t.Errorf("workers view still shows the submissions table:\n%s", v)
	}
	if n := len(strings.Split(v, "\n")); n != 16 {
		t.Errorf("workers view has %d lines, want 16", n)
	}
	tm, _ = tm.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if v := tm.(Model).Render(); !strings.Contains(v, "sub-0005") {
		t.Errorf("esc did not return to the list:\n%s", v)
	}
}

// On a wide terminal the columns keep to their content: PROBLEM is not stretched.
func TestWideTerminalColumnsFitContent(t *testing.T) {
	var tm tea.Model = newModel(newSource())
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: 160, Height: 14})
	tm, _ = tm.Update(listMsg{items: newSource().subs})
	for _, l := range strings.Split(tm.(Model).Render(), "\n") {
		if w := len([]rune(strings.TrimRight(l, " "))); strings.Contains(l, "sub-000") && w > 70 {
			t.Errorf("a row of short cells is %d columns wide on a 160-column screen (PROBLEM stretched?): %q", w, l)
		}
	}
}

func TestCtrlCIsReportedAsInterrupt(t *testing.T) {
	for _, tt := range []struct {
		key  tea.KeyPressMsg
		want bool
	}{
		{tea.KeyPressMsg{Code: 'q', Text: "q"}, false},
		{tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}, true},
	} {
		var tm tea.Model = newModel(newSource())
		tm, cmd := tm.Update(tt.key)
		if cmd == nil {
			t.Fatalf("%s: no command, want tea.Quit", tt.key)
		}
		if _, quit := cmd().(tea.QuitMsg); !quit {
			t.Errorf("%s does not quit", tt.key)
		}
		if got := tm.(Model).Interrupted(); got != tt.want {
			t.Errorf("%s: Interrupted() = %v, want %v", tt.key, got, tt.want)
		}
	}
}
