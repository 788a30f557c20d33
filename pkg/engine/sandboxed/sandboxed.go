// Package sandboxed wires the Docker sandbox into the engine: it is the only path by which the
// engine's callers (the worker, `judgectl problem verify --local`, `judged sandbox run`, the
// sandbox benchmark) reach pkg/sandbox and the Docker SDK, which keeps pkg/engine, pkg/judge and
// pkg/judge/verify free of both (a test of judgectl's import graph holds it so).
package sandboxed

import (
	"context"

	"github.com/judge-dev/judge/pkg/engine"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// Compiler is an engine.Compiler that compiles in sb.
func Compiler(sb *sandbox.Sandbox) engine.Compiler { return compiler{sb} }

// New returns an engine compiling in sb.
func New(sb *sandbox.Sandbox, langs *lang.Table) *engine.Engine {
	return engine.New(Compiler(sb), langs)
}

type compiler struct{ sb *sandbox.Sandbox }

func (c compiler) Compile(ctx context.Context, l lang.Language, files map[string][]byte, entry string) (run.Executable, run.Compiled, error) {
	prog, comp, err := c.sb.CompileLanguage(ctx, l, files, entry)
	if prog == nil {
		return nil, comp, err
	}
	if err != nil || comp.Status != run.OK {
		prog.Close()
		return nil, comp, err
	}
	return executable{prog}, comp, nil
}

// executable makes a *sandbox.Program a run.Executable: its Start returns the sandbox's own
// process type.
type executable struct{ *sandbox.Program }

func (e executable) Start(ctx context.Context, spec run.Spec) (run.Process, error) {
	p, err := e.Program.Start(ctx, spec)
	if err != nil {
		return nil, err // never a typed nil in the interface
	}
	return p, nil
}
