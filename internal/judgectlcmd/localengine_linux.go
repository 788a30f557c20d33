package judgectlcmd

import (
	"context"

	"github.com/judge-dev/judge/pkg/engine/sandboxed"
	"github.com/judge-dev/judge/pkg/lang"
)

// defaultSandboxMode is the sandbox mode `problem verify --local` uses unless told otherwise.
const defaultSandboxMode = sandboxed.ModeReuse

// openLocalEngine opens the judging engine on this machine's Docker engine. It is the only place
// judgectl reaches the sandbox, and it exists only on Linux: the sandbox's agent is Linux code.
func openLocalEngine(ctx context.Context, langs *lang.Table, mode, agentPath string) (*sandboxed.Local, error) {
	return sandboxed.OpenLocal(ctx, langs, sandboxed.LocalOptions{Mode: mode, AgentPath: agentPath})
}
