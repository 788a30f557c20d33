package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/image"
)

// Image returns the tag of the runtime image for recipe (e.g. "base"), or recipe unchanged when
// it names another image, after checking the stack's engine has it. Tests never build images:
// that takes minutes, so a missing one skips (or, with JUDGE_REQUIRE_STACK=1, fails) the test
// with the command that builds it.
func Image(t testing.TB, recipe string) string {
	t.Helper()
	docker := Docker(t)
	tag := image.Resolve(recipe)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ok, err := image.Exists(ctx, docker, tag)
	if err != nil {
		t.Fatalf("docker: %v", err)
	}
	if !ok {
		unavailable(t, "runtime image %s (%s) missing: run `go run ./cmd/judged image build`", recipe, tag)
	}
	return tag
}
