package judgectlcmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testdata/script/*.txtar run judgectl as a real process (the test binary
// re-executed as "judgectl").
func TestMain(m *testing.M) {
	if os.Getenv(asJudgectl) == "1" {
		os.Exit(Main()) // re-executed by judgectlProcess
	}
	testscript.Main(m, map[string]func(){
		"judgectl": func() { os.Exit(Main()) },
	})
}

// asJudgectl makes the test binary run as judgectl, so a test can drive a real process
// (signals, terminals) without building one.
const asJudgectl = "JUDGECTL_TEST_AS_MAIN"

// judgectlProcess returns judgectl args as a process of its own, pointed at api.
func judgectlProcess(t *testing.T, api *fakeAPI, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asJudgectl+"=1", "JUDGECTL_CONFIG="+filepath.Join(t.TempDir(), "config.yaml"))
	if api != nil {
		cmd.Env = append(cmd.Env, "JUDGE_SERVER="+api.srv.URL, "JUDGE_TOKEN="+api.token)
	}
	return cmd
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
