package judgedcmd

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/lang"
)

// A worker's process shows the versions recorded in the images; without an engine it keeps the
// table's.
func TestWithImageVersions(t *testing.T) {
	testenv.Image(t, "base")
	tab, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	got := withImageVersions(context.Background(), testenv.Docker(t), tab, log)
	for _, id := range []string{"c", "cpp", "python3", "bash"} {
		l, _ := got.Get(id)
		if l.Version == "" {
			t.Errorf("%s: no version from the base image", id)
		}
	}
	if c, _ := got.Get("c"); !strings.HasPrefix(c.Version, "GCC ") {
		t.Errorf("c: version %q, want GCC x.y.z", c.Version)
	}

	absent, err := client.New(client.WithHost("unix:///nonexistent/docker.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer absent.Close()
	none := withImageVersions(context.Background(), absent, tab, log)
	if c, _ := none.Get("c"); c.Version != "" {
		t.Errorf("without an engine c has version %q", c.Version)
	}
}

// Least privilege: a process that runs no worker (api, relay) never opens a Docker client, even
// with an engine at hand; one that runs a worker reads the versions through its client.
func TestOnlyWorkerProcessesTalkToDocker(t *testing.T) {
	testenv.Image(t, "base")
	cfg := config.Default()
	cfg.DockerHost = testenv.DockerHost(t)

	api := newProcessWith(cfg, discardLog(), nil)
	if _, err := api.dockerClient(context.Background()); err == nil {
		t.Error("a process without a worker opened a Docker client")
	}
	tab, err := api.languages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := tab.Get("c"); c.Version != "" {
		t.Errorf("the API-only process read version %q from the engine", c.Version)
	}

	w := newProcessWith(cfg, discardLog(), nil)
	w.usesDocker = true
	tab, err = w.languages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := tab.Get("c"); !strings.HasPrefix(c.Version, "GCC ") {
		t.Errorf("the worker process: c version %q, want GCC x.y.z", c.Version)
	}
	if w.docker == nil {
		t.Fatal("the worker process holds no Docker client")
	}
	w.docker.Close()
}
