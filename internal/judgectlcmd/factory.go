package judgectlcmd

import (
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/judge-dev/judge/internal/buildinfo"
	"github.com/judge-dev/judge/internal/judgectlcmd/ctlconfig"
	"github.com/judge-dev/judge/pkg/client"
)

// Factory hands commands their dependencies lazily, so a command that needs no server never
// reads the config file or dials anything. Tests replace the function fields.
type Factory struct {
	IO *IOStreams

	// ConfigPath returns the config file's path.
	ConfigPath func() (string, error)
	// Getenv reads the environment (JUDGE_SERVER, JUDGE_TOKEN).
	Getenv func(string) string
	// Client returns the API client for the effective server and token.
	Client func() (*client.Client, error)
	// Now is the clock.
	Now func() time.Time

	overrides ctlconfig.Overrides // --server, --token, --context
}

// NewFactory returns the production Factory on ios.
func NewFactory(ios *IOStreams) *Factory {
	f := &Factory{IO: ios, ConfigPath: ctlconfig.Path, Getenv: os.Getenv, Now: time.Now}
	f.Client = sync.OnceValues(f.defaultClient)
	return f
}

// BindFlags declares the global connection flags on fs.
func (f *Factory) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.overrides.Server, "server", "", "judge server URL (overrides JUDGE_SERVER and the config file)")
	fs.StringVar(&f.overrides.Token, "token", "", "API token (overrides JUDGE_TOKEN and the config file)")
	fs.StringVar(&f.overrides.Context, "context", "", "config context to use instead of the current one")
}

// LoadConfig reads the config file.
func (f *Factory) LoadConfig() (*ctlconfig.File, string, error) {
	path, err := f.ConfigPath()
	if err != nil {
		return nil, "", err
	}
	cf, err := ctlconfig.Load(path)
	return cf, path, err
}

// Resolve returns the effective server and token.
func (f *Factory) Resolve() (ctlconfig.Resolved, error) {
	cf, _, err := f.LoadConfig()
	if err != nil {
		return ctlconfig.Resolved{}, err
	}
	return cf.Resolve(f.overrides, f.Getenv)
}

func (f *Factory) defaultClient() (*client.Client, error) {
	r, err := f.Resolve()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256 // bench and grade send many requests at once
	c, err := client.New(r.Server, r.Token,
		client.WithHTTPClient(&http.Client{Transport: tr}),
		client.WithUserAgent("judgectl/"+buildinfo.Get().Version))
	if err != nil {
		return nil, fmt.Errorf("%w (from %s)", err, r.ServerSource)
	}
	return c, nil
}
