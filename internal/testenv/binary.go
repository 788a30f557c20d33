package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// judgedBuild is the judged binary built once per test process; the build is shared by every
// test of the package, so its result is cached here rather than per test.
var judgedBuild struct {
	once sync.Once
	path string
	err  error
}

// JudgedBinary returns the path of a static (CGO_ENABLED=0) judged binary built from the module
// once per test process. It lives in os.TempDir()/judge-testenv-judged-<pid>/ and is left there
// when the process ends (no hook runs after the last test); the directory is keyed by the test
// binary's pid so parallel packages never share or clobber one, and the next build removes the
// directories of processes that are gone.
func JudgedBinary(t testing.TB) string {
	t.Helper()
	judgedBuild.once.Do(func() {
		judgedBuild.path, judgedBuild.err = buildJudged()
	})
	if judgedBuild.err != nil {
		t.Fatalf("build judged: %v", judgedBuild.err)
	}
	return judgedBuild.path
}

func buildJudged() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	removeStaleBuilds()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("%s%d", buildDirPrefix, os.Getpid()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	out := filepath.Join(dir, "judged")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/judged")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/judged in %s: %w\n%s", root, err, stderr.String())
	}
	return out, nil
}

const buildDirPrefix = "judge-testenv-judged-"

// removeStaleBuilds deletes build directories whose test process has exited.
func removeStaleBuilds() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), buildDirPrefix+"*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), buildDirPrefix))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(d)
		}
	}
}

// moduleRoot is the directory of the go.mod the tests run in.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("go env GOMOD: not inside a module (got %q)", gomod)
	}
	return filepath.Dir(gomod), nil
}
