package judgectlcmd

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives one program in a tmux server of its own (its own socket), the way a user
// sees it: keys in with send-keys, the screen out with capture-pane.
type tmuxSession struct {
	t      *testing.T
	bin    string
	sock   string
	status string // file the pane's script writes judgectl's exit status to
}

func (s *tmuxSession) tmux(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, s.bin, append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	return string(out), err
}

// screen returns what the pane shows now.
func (s *tmuxSession) screen() string {
	out, err := s.tmux("capture-pane", "-p", "-t", "watch")
	if err != nil {
		return "capture-pane: " + err.Error() + ": " + out
	}
	return out
}

// waitScreen waits until the pane shows all of want; the deadline only guards against a hang.
func (s *tmuxSession) waitScreen(want ...string) string {
	s.t.Helper()
	var scr string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		scr = s.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(scr, w)
		}
		if ok {
			return scr
		}
	}
	s.t.Fatalf("the screen never showed %q; last screen:\n%s", want, scr)
	return ""
}

// TestWatchInTmux runs `judgectl watch` on a real terminal (tmux) against the fake API: the
// dashboard draws, the workers view opens and closes with w, q quits with 0 and Ctrl-C with 130.
func TestWatchInTmux(t *testing.T) {
	bin, err := exec.LookPath("tmux")
	if err != nil {
		msg := "tmux is not installed (Debian package tmux); the real-terminal test of judgectl watch needs it"
		if os.Getenv("JUDGE_REQUIRE_STACK") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	for _, src := range []string{"print(1)", "# WA"} {
		if r := judgectl(t, f, "submit", writeFile(t, t.TempDir(), "a.py", src), "-p", "hello"); r.code != ExitOK {
			t.Fatalf("submit: exit %d %s", r.code, r.errOut)
		}
	}
	dir, err := os.MkdirTemp("", "jw") // short: a unix socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &tmuxSession{t: t, bin: bin, sock: filepath.Join(dir, "sock"), status: filepath.Join(dir, "status")}

	// The program runs from a script, so its environment does not depend on tmux's, and the
	// script records its exit status (tmux 3.3 does not always reap a pane's process, so
	// #{pane_dead_status} cannot be relied on).
	cmd := judgectlProcess(t, api, "watch", "--interval", "200ms")
	var script strings.Builder
	script.WriteString("#!/bin/sh\n")
	for _, kv := range cmd.Env {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "JUDGE") || k == "PATH" || k == "HOME" {
			fmt.Fprintf(&script, "export %s\n", shellQuote(kv))
		}
	}
	fmt.Fprintf(&script, "export TERM=xterm-256color\nunset NO_COLOR\n%s watch --interval 200ms\necho $? > %s\n",
		shellQuote(cmd.Path), shellQuote(s.status))
	run := filepath.Join(dir, "run.sh")
	if err := os.WriteFile(run, []byte(script.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := s.tmux("-f", "/dev/null", "new-session", "-d", "-s", "watch", "-x", "140", "-y", "30", run); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { _, _ = s.tmux("kill-server") })
	// The server outlives the session, so the second run below does not race its exit.
	if out, err := s.tmux("set-option", "-s", "exit-empty", "off"); err != nil {
		t.Fatalf("tmux set-option: %v: %s", err, out)
	}

	scr := s.waitScreen("judge watch", "last minute AC 30", "00000000", "WA", "w workers")
	if strings.Contains(scr, "slots in use") {
		t.Errorf("the workers view shows before w:\n%s", scr)
	}
	if _, err := s.tmux("send-keys", "-t", "watch", "w"); err != nil {
		t.Fatal(err)
	}
	scr = s.waitScreen("slots in use 1/6", "fake-worker-1", "fake-worker-2", "idle", "w/esc back")
	if strings.Contains(scr, "python3   running") {
		t.Errorf("the submissions table still shows in the workers view:\n%s", scr)
	}
	if _, err := s.tmux("send-keys", "-t", "watch", "w"); err != nil {
		t.Fatal(err)
	}
	s.waitScreen("00000000", "w workers", "/ filter")
	if code := s.quit("q"); code != "0" {
		t.Errorf("q: exit status %s, want 0", code)
	}

	// Ctrl-C is a key in the TUI's raw mode; it quits too, with the exit status of SIGINT.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := s.tmux("has-session", "-t", "watch"); err != nil {
			break // the first run's session is gone
		}
		if time.Now().After(deadline) {
			t.Fatal("the first session did not end")
		}
	}
	if out, err := s.tmux("new-session", "-d", "-s", "watch", "-x", "140", "-y", "30", run); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	s.waitScreen("00000000", "w workers")
	if code := s.quit("C-c"); code != "130" {
		t.Errorf("Ctrl-C: exit status %s, want 130", code)
	}
}

// quit sends key and returns judgectl's exit status once it has ended.
func (s *tmuxSession) quit(key string) string {
	s.t.Helper()
	if err := os.Remove(s.status); err != nil && !os.IsNotExist(err) {
		s.t.Fatal(err)
	}
	if _, err := s.tmux("send-keys", "-t", "watch", key); err != nil {
		s.t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if data, err := os.ReadFile(s.status); err == nil && strings.HasSuffix(string(data), "\n") {
			return strings.TrimSpace(string(data))
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("judgectl watch did not quit on %s; screen:\n%s", key, s.screen())
		}
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
