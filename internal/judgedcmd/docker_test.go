package judgedcmd

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/config"
)

func TestDockerAbsentNamesTheSetting(t *testing.T) {
	cfg := config.Default()
	cfg.DockerHost = "unix://" + filepath.Join(t.TempDir(), "no-docker.sock")
	d, err := dockerClient(context.Background(), cfg)
	if err == nil {
		d.Close()
		t.Fatal("want an error for an engine that does not exist")
	}
	for _, want := range []string{"docker_host (JUDGE_DOCKER_HOST)", "no-docker.sock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("want one line, got %q", err)
	}
}
