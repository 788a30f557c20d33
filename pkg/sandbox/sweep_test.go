package sandbox_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// TestSweepRemovesContainersOfDeadProcesses plays a crashed worker: a labelled container whose
// creating process is gone is removed when a Sandbox starts; one of a live process stays.
func TestSweepRemovesContainersOfDeadProcesses(t *testing.T) {
	skipShort(t)
	docker := testenv.Docker(t)
	ref := requireImage(t, "base")
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := cmd.Process.Pid
	host, _ := os.Hostname()
	ctx := context.Background()
	mk := func(pid int) string {
		t.Helper()
		c, err := docker.ContainerCreate(ctx, client.ContainerCreateOptions{
			Config: &container.Config{Image: ref, Cmd: []string{"true"}, Labels: map[string]string{
				sandbox.LabelSandbox: "1", sandbox.LabelHost: host, sandbox.LabelPID: strconv.Itoa(pid),
				sandbox.LabelInstance: "test-sweep",
			}},
			HostConfig: &container.HostConfig{NetworkMode: "none"},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = docker.ContainerRemove(context.Background(), c.ID, client.ContainerRemoveOptions{Force: true})
		})
		return c.ID
	}
	orphan := mk(deadPID)
	alive := mk(1) // pid 1 of this host is alive: another worker's container, not ours to remove

	newSandbox(t, sandbox.ModeReuse) // New sweeps before it returns
	testenv.WaitFor(t, "the start-up sweep to remove the container of a dead process", 30*time.Second,
		func() bool { return !exists(docker, orphan) })
	if !exists(docker, alive) {
		t.Fatal("the sweep removed the container of a live process")
	}
}
