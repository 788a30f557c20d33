package judgectlcmd

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"syscall"

	"github.com/judge-dev/judge/pkg/client"
)

// Exit codes of judgectl. They are part of the CLI's contract (scripts and CI rely on them) and
// are documented in docs/judgectl.md; change them only with a major version.
const (
	ExitOK       = 0 // accepted (AC), or a command that is not about a verdict succeeded
	ExitRejected = 1 // the program was judged and rejected: WA, TLE, MLE, OLE, RE, PA
	ExitCompile  = 2 // compile error (CE)
	ExitFailure  = 3 // judge error (IE), usage error, network or server error
	// A run ended by a signal exits 128 + the signal's number, as shells report it: 130 for
	// SIGINT (Ctrl-C), 143 for SIGTERM.
	exitSignalBase = 128
)

// InterruptError is the cause of a run cancelled by a signal.
type InterruptError struct{ Signal os.Signal }

func (e *InterruptError) Error() string { return "interrupted by " + e.Signal.String() }

// FlagError is a usage mistake: the command prints its usage after the message.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// flagErrorf builds a FlagError.
func flagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ExitError ends the run with Code; a nil Err prints nothing more (the command already
// reported what happened, e.g. a verdict).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// exitCode maps the error a command returned to the process exit code; it is the only place
// that decides exit codes.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	var ie *InterruptError
	switch {
	case errors.As(err, &ie):
		if s, ok := ie.Signal.(syscall.Signal); ok {
			return exitSignalBase + int(s)
		}
		return exitSignalBase + int(syscall.SIGINT)
	case errors.As(err, &ee):
		return ee.Code
	}
	return ExitFailure
}

// explain rewrites the errors users hit most into one line that says what to do.
func explain(err error) error {
	var ae *client.APIError
	var te *client.TransportError
	switch {
	case errors.As(err, &ae) && ae.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w; set a valid token with `judgectl config set token TOKEN`, JUDGE_TOKEN or --token", err)
	case errors.As(err, &ae) && ae.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w; the token's role does not allow this; ask an admin for a token with the right role", err)
	case errors.As(err, &te):
		return fmt.Errorf("%w; check the server URL (`judgectl config view`) and that `judged api` is running there", err)
	}
	return err
}
