package judgedcmd

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/lang"
)

// The API shows the versions recorded in the images; without an engine it keeps the table's.
func TestWithImageVersions(t *testing.T) {
	testenv.Image(t, "base")
	tab, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config.Config{DockerHost: testenv.Docker(t).DaemonHost()}
	got := withImageVersions(context.Background(), cfg, tab, log)
	for _, id := range []string{"c", "cpp", "python3", "bash"} {
		l, _ := got.Get(id)
		if l.Version == "" {
			t.Errorf("%s: no version from the base image", id)
		}
	}
	if c, _ := got.Get("c"); !strings.HasPrefix(c.Version, "GCC ") {
		t.Errorf("c: version %q, want GCC x.y.z", c.Version)
	}

	none := withImageVersions(context.Background(), config.Config{DockerHost: "unix:///nonexistent/docker.sock"}, tab, log)
	if c, _ := none.Get("c"); c.Version != "" {
		t.Errorf("without an engine c has version %q", c.Version)
	}
}
