package judgectlcmd

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestProblemVerifyFlags(t *testing.T) {
	var got *ProblemVerifyOptions
	ios, _, _, _ := TestStreams()
	cmd := newProblemVerifyCmd(NewFactory(ios), func(_ context.Context, o *ProblemVerifyOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--local", "--mode", "fresh", "--probe-time", "3s", "--agent", "/x/judged", "examples/problems/sum"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.Local || got.Mode != "fresh" || got.Probe != 3*time.Second || got.Agent != "/x/judged" || got.Dir != "examples/problems/sum" {
		t.Fatalf("options %+v", got)
	}
}

func TestProblemVerifyErrors(t *testing.T) {
	ios, _, _, errOut := TestStreams()
	if code := Run(context.Background(), []string{"problem", "verify", t.TempDir()}, ios); code != ExitFailure || !strings.Contains(errOut.String(), "--local") {
		t.Fatalf("without --local: exit %d, stderr %q", code, errOut.String())
	}
	ios, _, _, errOut = TestStreams()
	if code := Run(context.Background(), []string{"problem", "verify", "--local", t.TempDir()}, ios); code != ExitFailure || !strings.Contains(errOut.String(), "problem.yaml: missing") {
		t.Fatalf("broken package: exit %d, stderr %q", code, errOut.String())
	}
}
