package judgectlcmd

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestWatchNeedsTerminal(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	r := judgectl(t, f, "watch")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "needs a terminal") {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
}

func TestWatchFlags(t *testing.T) {
	f, _, _ := newTestFactory(t, nil)
	var got *WatchOptions
	cmd := newWatchCmd(f, func(_ context.Context, o *WatchOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--interval", "2s", "-p", "hello", "--verdict", "WA", "--owner", "bob", "--limit", "50"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Interval != 2*time.Second || got.Filter.Problem != "hello" || got.Filter.Verdict != "WA" || got.Filter.Owner != "bob" || got.Limit != 50 {
		t.Errorf("options = %+v", got)
	}
	if r := judgectl(t, f, "watch", "--limit", "0"); r.code != ExitFailure || !strings.Contains(r.errOut, "--limit 0") {
		t.Errorf("--limit 0: exit %d stderr %q", r.code, r.errOut)
	}
	r := judgectl(t, f, "watch", "--interval", "1ms")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "too short") {
		t.Errorf("--interval 1ms: exit %d stderr %q", r.code, r.errOut)
	}
}
