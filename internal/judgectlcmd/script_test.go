package judgectlcmd

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testdata/script/*.txtar run judgectl as a real process (the test binary
// re-executed as "judgectl").
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"judgectl": func() { os.Exit(Main()) },
	})
}

// TestScripts drives the judgectl binary end to end against the fake API, the way a user's
// shell or CI would: real argv, real exit codes, real files.
func TestScripts(t *testing.T) {
	api := newFakeAPI(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SERVER", api.srv.URL)
			env.Setenv("JUDGE_SERVER", api.srv.URL)
			env.Setenv("JUDGE_TOKEN", api.token)
			env.Setenv("JUDGECTL_CONFIG", env.WorkDir+"/config.yaml")
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}
