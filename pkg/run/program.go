package run

import (
	"context"
	"io"
)

// Program runs a compiled program once per call (a test, a validator's check).
type Program interface {
	Run(ctx context.Context, spec Spec) (Result, error)
}

// Process is a started program whose pipes the caller wires (interactive problems).
type Process interface {
	Stdin() io.WriteCloser
	Stdout() io.Reader
	Wait() (Result, error)
}

// Starter starts a program without waiting for it.
type Starter interface {
	Start(ctx context.Context, spec Spec) (Process, error)
}

// Executable is what a compile step yields: a program that can be run, started (interactive
// problems) and must be closed when done with, which releases its container.
type Executable interface {
	Program
	Starter
	io.Closer
}

// Starts adapts a Start method that returns a concrete process type (as the sandbox's does):
// run.Starts(prog.Start).
func Starts[P Process](start func(context.Context, Spec) (P, error)) Starter {
	return startFunc(func(ctx context.Context, spec Spec) (Process, error) { return start(ctx, spec) })
}

type startFunc func(context.Context, Spec) (Process, error)

func (f startFunc) Start(ctx context.Context, spec Spec) (Process, error) { return f(ctx, spec) }

// WithStart joins a Program and its start method so that it can be judged on interactive
// problems: run.WithStart(prog, prog.Start).
func WithStart[P Process](prog Program, start func(context.Context, Spec) (P, error)) Program {
	return startable{Program: prog, Starter: Starts(start)}
}

type startable struct {
	Program
	Starter
}
