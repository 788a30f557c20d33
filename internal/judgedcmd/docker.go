package judgedcmd

import (
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/pkg/config"
)

// dockerClient connects to the configured Docker engine and checks that it answers, so that an
// absent engine is reported once, naming the setting, instead of deep inside the first container
// operation.
func dockerClient(ctx context.Context, cfg config.Config) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if cfg.DockerHost != "" {
		opts = append(opts, client.WithHost(cfg.DockerHost))
	}
	d, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker_host (JUDGE_DOCKER_HOST): %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := d.Ping(pingCtx, client.PingOptions{}); err != nil {
		d.Close()
		return nil, fmt.Errorf("docker_host (JUDGE_DOCKER_HOST): no Docker engine answers at %s: start one (`make stack` does) or point docker_host at it", d.DaemonHost())
	}
	return d, nil
}
