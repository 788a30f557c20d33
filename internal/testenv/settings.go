package testenv

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/judge-dev/judge/pkg/config"
)

// Settings are the connection settings of the stack the tests run against.
type Settings struct {
	DatabaseURL  string
	KafkaBrokers []string
	DockerHost   string
	// Source names where the settings came from, for error messages.
	Source string
}

// LoadSettings reads the stack settings file (JUDGE_STACK_FILE, else .stack/stack.env found from
// dir upwards; dir "" is the working directory) and lets JUDGE_* variables from getenv override
// each value. A missing file is not an error: the environment alone may be enough.
func LoadSettings(dir string, getenv func(string) string) (Settings, error) {
	path := getenv("JUDGE_STACK_FILE")
	if path == "" {
		path = config.FindStackFile(dir)
	}
	vars := map[string]string{}
	s := Settings{Source: "environment"}
	if path != "" {
		v, err := config.ReadEnvFile(path)
		switch {
		case err == nil:
			vars = v
			s.Source = path
		case errors.Is(err, fs.ErrNotExist):
			// JUDGE_STACK_FILE names a file that is not there yet: environment only.
		default:
			return s, fmt.Errorf("read stack settings %s: %w", path, err)
		}
	}
	get := func(key string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return vars[key]
	}
	s.DatabaseURL = get("JUDGE_DATABASE_URL")
	s.DockerHost = get("JUDGE_DOCKER_HOST")
	for _, b := range strings.Split(get("JUDGE_KAFKA_BROKERS"), ",") {
		if b = strings.TrimSpace(b); b != "" {
			s.KafkaBrokers = append(s.KafkaBrokers, b)
		}
	}
	return s, nil
}
