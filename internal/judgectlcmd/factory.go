package judgectlcmd

import (
	"github.com/spf13/pflag"
)

// Factory hands commands their dependencies lazily, so a command that needs no server never
// reads the config file or dials anything.
type Factory struct {
	IO *IOStreams

	server string // --server
	token  string // --token
	ctx    string // --context
}

// NewFactory returns the production Factory on ios.
func NewFactory(ios *IOStreams) *Factory {
	return &Factory{IO: ios}
}

// BindFlags declares the global connection flags on fs.
func (f *Factory) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.server, "server", "", "judge server URL (overrides JUDGE_SERVER and the config file)")
	fs.StringVar(&f.token, "token", "", "API token (overrides JUDGE_TOKEN and the config file)")
	fs.StringVar(&f.ctx, "context", "", "config context to use instead of the current one")
}
