package verify

import (
	"context"
	"io"

	"github.com/judge-dev/judge/pkg/judge"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// SandboxCompiler compiles with the local sandbox; its programs can also be started, for
// interactive problems.
func SandboxCompiler(sb *sandbox.Sandbox) Compiler {
	return func(ctx context.Context, l lang.Language, files map[string][]byte) (judge.Program, io.Closer, run.Compiled, error) {
		prog, comp, err := sb.CompileLanguage(ctx, l, files)
		if err != nil || prog == nil {
			return nil, nil, comp, err
		}
		if comp.Status != run.OK {
			prog.Close()
			return nil, nil, comp, nil
		}
		return judge.WithStart(prog, prog.Start), prog, comp, nil
	}
}
