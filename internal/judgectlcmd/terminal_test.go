package judgectlcmd

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// runOnSilentTerminal runs judgectl args on a terminal that never answers a query: the pty's
// other end only records what judgectl writes. It returns the bytes written and whether the
// process ended within the wait.
func runOnSilentTerminal(t *testing.T, api *fakeAPI, wait time.Duration, args ...string) (string, bool) {
	t.Helper()
	cmd := judgectlProcess(t, api, args...)
	cmd.Env = append(cmd.Env, "TERM=xterm-256color", "NO_COLOR=")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatalf("start judgectl on a pty: %v", err)
	}
	defer tty.Close()
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(&out, tty) // ends with EIO once the process and its terminal are gone
		close(copied)
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("judgectl %v: %v", args, err)
		}
	case <-time.After(wait):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
		<-copied
		return out.String(), false
	}
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
	}
	return out.String(), true
}

// Commands other than watch never query the terminal (colours, background, cursor position):
// a terminal that does not answer made every command, even `judgectl version`, wait 5 s for
// the TUI library's start-up probe.
func TestNoTerminalQueriesOutsideWatch(t *testing.T) {
	api := newFakeAPI(t)
	queries := []string{"\x1b]11;?", "\x1b]10;?", "\x1b[6n", "\x1b[c"}
	for _, args := range [][]string{{"version"}, {"--help"}, {"languages"}, {"status", "--help"}, {"config", "view"}} {
		out, finished := runOnSilentTerminal(t, api, 3*time.Second, args...)
		for _, q := range queries {
			if strings.Contains(out, q) {
				t.Errorf("judgectl %v wrote the terminal query %q: %q", args, q, out)
			}
		}
		if !finished {
			t.Errorf("judgectl %v still ran after 3 s on a terminal that does not answer (the query stall is 5 s); output %q", args, out)
		}
		if finished && len(out) == 0 {
			t.Errorf("judgectl %v printed nothing on the terminal", args)
		}
	}
}
