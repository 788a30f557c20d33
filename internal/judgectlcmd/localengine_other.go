//go:build !linux

package judgectlcmd

import (
	"context"
	"errors"
	"runtime"

	"github.com/judge-dev/judge/pkg/engine"
	"github.com/judge-dev/judge/pkg/lang"
)

// defaultSandboxMode is the sandbox mode `problem verify --local` uses unless told otherwise.
const defaultSandboxMode = "reuse"

// noLocalEngine stands in for the local engine where there is none, so the command compiles
// everywhere and says what to do instead.
type noLocalEngine struct{ Engine *engine.Engine }

func (noLocalEngine) Available(context.Context, lang.Language) bool { return false }
func (noLocalEngine) Close(context.Context) error                   { return nil }

// openLocalEngine fails off Linux: the sandbox's agent runs Linux system calls inside the
// container, so judging locally needs judgectl built for Linux.
func openLocalEngine(context.Context, *lang.Table, string, string) (*noLocalEngine, error) {
	return nil, errors.New("judging locally (--local) needs Linux with a Docker engine, and this judgectl is built for " +
		runtime.GOOS + ": verify on the server instead (drop --local), or run judgectl on Linux")
}
