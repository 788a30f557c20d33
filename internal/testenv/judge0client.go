package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// judge0Client is the virtualenv python of the official Judge0 client, prepared once per test
// process.
var judge0Client struct {
	once sync.Once
	path string
	err  error
}

// Judge0ClientPython returns the python of a virtualenv holding the official Judge0 Python
// client (judge0 0.0.8, pinned), made by scripts/judge0-client.sh (which installs
// python3-venv when missing). It skips t when that fails, or fails t under
// JUDGE_REQUIRE_STACK=1.
func Judge0ClientPython(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the Judge0 client test needs a virtualenv and the stack")
	}
	judge0Client.once.Do(func() {
		judge0Client.path, judge0Client.err = prepareJudge0Client()
	})
	if judge0Client.err != nil {
		unavailable(t, "judge0 client: %v", judge0Client.err)
	}
	return judge0Client.path
}

func prepareJudge0Client() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "judge0-client.sh"))
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("scripts/judge0-client.sh: %w\n%s", err, stderr.String())
	}
	path := strings.TrimSpace(stdout.String())
	if path == "" {
		return "", fmt.Errorf("scripts/judge0-client.sh printed no python path\n%s", stderr.String())
	}
	return path, nil
}
