// Package testenv owns how tests reach the real services of the local stack (`make stack`):
// PostgreSQL, Kafka, Docker, the runtime images and a freshly built judged binary.
//
// Settings come from the stack's settings file (.stack/stack.env, found from the working
// directory upwards, or named by JUDGE_STACK_FILE); JUDGE_* environment variables win over it.
// When a service is missing the helpers skip the test with the reason, unless
// JUDGE_REQUIRE_STACK=1 (set by `make test`), where a missing service fails the test instead.
// Under `go test -short` (`make test-unit`) they always skip.
// Every database and topic a helper creates is removed in t.Cleanup.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// unavailable skips t, or fails it when the run requires the stack.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("JUDGE_REQUIRE_STACK") == "1" {
		t.Fatalf("%s (JUDGE_REQUIRE_STACK=1)", msg)
	}
	t.Skip(msg)
}

// settingsOrSkip loads the stack settings, skipping (or failing) t when they cannot be read.
// Under -short (`make test-unit`) every test that needs a service is skipped, stack or not.
func settingsOrSkip(t testing.TB) Settings {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping a test that needs the stack (PostgreSQL, Kafka or Docker)")
	}
	s, err := LoadSettings("", os.Getenv)
	if err != nil {
		unavailable(t, "stack settings: %v", err)
	}
	return s
}

// KafkaBrokers returns the stack's bootstrap brokers after checking the first one accepts a
// TCP connection.
func KafkaBrokers(t testing.TB) []string {
	t.Helper()
	s := settingsOrSkip(t)
	if len(s.KafkaBrokers) == 0 {
		unavailable(t, "kafka: JUDGE_KAFKA_BROKERS is not set and no %s found: run `make stack`", "stack.env")
	}
	conn, err := net.DialTimeout("tcp", s.KafkaBrokers[0], 3*time.Second)
	if err != nil {
		unavailable(t, "kafka: broker %s (from %s) does not answer: %v; run `make stack`", s.KafkaBrokers[0], s.Source, err)
	}
	conn.Close()
	return s.KafkaBrokers
}

// Docker returns a moby client for the stack's engine, already pinged; it is closed at cleanup.
func Docker(t testing.TB) *client.Client {
	t.Helper()
	s := settingsOrSkip(t)
	opts := []client.Opt{client.FromEnv}
	if s.DockerHost != "" {
		opts = append(opts, client.WithHost(s.DockerHost))
	}
	cli, err := client.New(opts...)
	if err != nil {
		unavailable(t, "docker: client for %q: %v", s.DockerHost, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		cli.Close()
		unavailable(t, "docker: engine at %q does not answer: %v; run `make stack`", s.DockerHost, err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// uniqueName returns prefix followed by 12 random hex digits, safe as a database or topic name.
func uniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return prefix + strings.ToLower(hex.EncodeToString(b[:]))
}
