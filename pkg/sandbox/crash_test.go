package sandbox_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// crashHelperEnv makes TestCrashedWorkerLeavesNoContainer's child the worker that crashes.
const crashHelperEnv = "JUDGE_SANDBOX_CRASH_HELPER"

// TestCrashedWorkerLeavesNoContainer kills a process holding a warm fresh-mode pool with
// SIGKILL and shows the engine removes its containers by itself, with no sweep: each
// container's agent ends when the dead process's stream to it closes, and the engine removes
// an ended sandbox container.
func TestCrashedWorkerLeavesNoContainer(t *testing.T) {
	if os.Getenv(crashHelperEnv) != "" {
		crashHelper(t)
		return
	}
	skipShort(t)
	docker := testenv.Docker(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashedWorkerLeavesNoContainer$", "-test.v")
	cmd.Env = append(os.Environ(), crashHelperEnv+"=1", "JUDGE_TEST_AGENT="+testenv.JudgedBinary(t), "JUDGE_TEST_IMAGE="+requireImage(t, "base"))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var instance string
	for sc := bufio.NewScanner(out); instance == "" && sc.Scan(); {
		if id, ok := strings.CutPrefix(sc.Text(), "instance "); ok {
			instance = id
		}
	}
	if instance == "" {
		t.Fatal("the helper did not start its sandbox")
	}
	testenv.WaitFor(t, "the helper's pool to be warm", time.Minute, func() bool { return countContainers(t, docker, instance) == 3 })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	testenv.WaitFor(t, "the engine to remove the crashed process's containers", time.Minute,
		func() bool { return countContainers(t, docker, instance) == 0 })
}

// crashHelper warms a pool, says which instance it is and waits to be killed.
func crashHelper(t *testing.T) {
	docker := testenv.Docker(t)
	sb, err := sandbox.New(context.Background(), docker, mustLangs(t), sandbox.Options{
		Mode: sandbox.ModeFresh, AgentPath: os.Getenv("JUDGE_TEST_AGENT"), PoolSize: 3,
		Images: []string{os.Getenv("JUDGE_TEST_IMAGE")},
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("instance", sb.Instance())
	time.Sleep(10 * time.Minute) // killed long before
}
