package judgectlcmd

import (
	"bytes"
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// IOStreams are the streams a command reads and writes, and what it knows about the terminal.
// A TTY gets tables and live progress; a pipe gets tab-separated values or JSON.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// OutTTY and ErrTTY say whether Out and ErrOut are terminals.
	OutTTY bool
	ErrTTY bool
	// NoColor is set by a non-empty NO_COLOR (https://no-color.org), TERM=dumb or a
	// non-terminal.
	NoColor bool
}

// System returns the process's streams.
func System() *IOStreams {
	outTTY := isatty.IsTerminal(os.Stdout.Fd()) || isatty.IsCygwinTerminal(os.Stdout.Fd())
	errTTY := isatty.IsTerminal(os.Stderr.Fd()) || isatty.IsCygwinTerminal(os.Stderr.Fd())
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: outTTY, ErrTTY: errTTY, NoColor: noColor(os.Getenv) || !outTTY,
	}
}

// TestStreams returns streams backed by buffers (not terminals) and the buffers themselves.
func TestStreams() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, NoColor: true}, in, out, errOut
}

// noColor says whether the environment turns colours off: NO_COLOR counts only when it is
// non-empty (no-color.org), and a dumb terminal has none.
func noColor(getenv func(string) string) bool {
	return getenv("NO_COLOR") != "" || getenv("TERM") == "dumb"
}
