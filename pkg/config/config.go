// Package config owns the daemon's settings and the order in which they are resolved:
// command-line flags, then JUDGE_* environment variables, then the YAML file named by --config
// (or JUDGE_CONFIG), then the local stack's settings file (.stack/stack.env, written by
// `make stack`), then the defaults below.
//
// Every field is described once, by its struct tags: `yaml` (file key), `env` (variable),
// `flag` (command-line name), `usage` (help text) and `secret:"true"` (masked when printed).
package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/docker/go-units"
)

// Config is the effective configuration of one judged process.
type Config struct {
	// DatabaseURL is the PostgreSQL DSN (lib/pq URL or key=value form).
	DatabaseURL string `yaml:"database_url" env:"JUDGE_DATABASE_URL" flag:"database-url" secret:"true" usage:"PostgreSQL DSN (needs wal_level=logical)"`
	// KafkaBrokers lists bootstrap brokers, host:port.
	KafkaBrokers []string `yaml:"kafka_brokers" env:"JUDGE_KAFKA_BROKERS" flag:"kafka-brokers" usage:"Kafka bootstrap brokers, comma separated host:port"`
	// KafkaTopic is the submissions topic.
	KafkaTopic string `yaml:"kafka_topic" env:"JUDGE_KAFKA_TOPIC" flag:"kafka-topic" usage:"Kafka topic that carries submission pointers"`
	// KafkaPartitions is used when the topic is created.
	KafkaPartitions int `yaml:"kafka_partitions" env:"JUDGE_KAFKA_PARTITIONS" flag:"kafka-partitions" usage:"partitions of the topic when the judge creates it"`
	// DockerHost is the Docker engine endpoint; empty means DOCKER_HOST or the default socket.
	DockerHost string `yaml:"docker_host" env:"JUDGE_DOCKER_HOST" flag:"docker-host" usage:"Docker engine endpoint (default: DOCKER_HOST or unix:///var/run/docker.sock)"`
	// Listen is the API's listen address.
	Listen string `yaml:"listen" env:"JUDGE_LISTEN" flag:"listen" usage:"HTTP listen address of the API"`
	// LanguagesFile overrides the embedded language table.
	LanguagesFile string `yaml:"languages_file" env:"JUDGE_LANGUAGES_FILE" flag:"languages-file" usage:"YAML file that replaces the built-in language table"`
	// Slots is how many submissions a worker judges at once; 0 means the CPU count.
	Slots int `yaml:"slots" env:"JUDGE_SLOTS" flag:"slots" usage:"concurrent runs per worker (0 = number of CPUs)"`
	// SandboxMode is fresh (a new container per submission) or reuse (warm containers, reset between runs).
	SandboxMode string `yaml:"sandbox_mode" env:"JUDGE_SANDBOX_MODE" flag:"sandbox-mode" usage:"sandbox isolation mode: fresh or reuse"`
	// CompileCache bounds the compiled programs a worker keeps in memory by source hash.
	CompileCache string `yaml:"compile_cache" env:"JUDGE_COMPILE_CACHE" flag:"compile-cache" usage:"bytes of compiled programs a worker keeps by source hash, e.g. 1GiB (0 disables)"`
	// LeaseDuration is how long a worker's claim on a submission lasts without renewal.
	LeaseDuration time.Duration `yaml:"lease_duration" env:"JUDGE_LEASE_DURATION" flag:"lease-duration" usage:"worker lease on a running submission"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level" env:"JUDGE_LOG_LEVEL" flag:"log-level" usage:"log level: debug, info, warn, error"`
	// LogFormat is text or json.
	LogFormat string `yaml:"log_format" env:"JUDGE_LOG_FORMAT" flag:"log-format" usage:"log format: text or json"`
}

// Default returns the settings used when nothing else is given.
func Default() Config {
	return Config{
		KafkaTopic:      "judge.submissions",
		KafkaPartitions: 12,
		Listen:          "127.0.0.1:8080",
		SandboxMode:     "reuse",
		CompileCache:    "1GiB",
		LeaseDuration:   30 * time.Second,
		LogLevel:        "info",
		LogFormat:       "text",
	}
}

// Validate reports every setting that cannot work, each naming the setting and how to fix it.
func (c Config) Validate() error {
	var errs []error
	if c.DatabaseURL != "" {
		if err := validateDSN(c.DatabaseURL); err != nil {
			errs = append(errs, fmt.Errorf("database_url (JUDGE_DATABASE_URL): %w", err))
		}
	}
	for _, b := range c.KafkaBrokers {
		if !strings.Contains(b, ":") {
			errs = append(errs, fmt.Errorf("kafka_brokers (JUDGE_KAFKA_BROKERS): %q is not host:port", b))
		}
	}
	if c.KafkaTopic == "" {
		errs = append(errs, errors.New("kafka_topic (JUDGE_KAFKA_TOPIC): must not be empty"))
	}
	if c.KafkaPartitions < 1 {
		errs = append(errs, fmt.Errorf("kafka_partitions (JUDGE_KAFKA_PARTITIONS): %d, want at least 1", c.KafkaPartitions))
	}
	if c.Slots < 0 {
		errs = append(errs, fmt.Errorf("slots (JUDGE_SLOTS): %d, want 0 (CPU count) or more", c.Slots))
	}
	switch c.SandboxMode {
	case "fresh", "reuse":
	default:
		errs = append(errs, fmt.Errorf("sandbox_mode (JUDGE_SANDBOX_MODE): %q, want fresh or reuse", c.SandboxMode))
	}
	if _, err := c.CompileCacheBytes(); err != nil {
		errs = append(errs, fmt.Errorf("compile_cache (JUDGE_COMPILE_CACHE): %w", err))
	}
	if c.LeaseDuration < time.Second {
		errs = append(errs, fmt.Errorf("lease_duration (JUDGE_LEASE_DURATION): %s, want at least 1s", c.LeaseDuration))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level (JUDGE_LOG_LEVEL): %q, want debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log_format (JUDGE_LOG_FORMAT): %q, want text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// CompileCacheBytes is the compile cache's bound in bytes; -1 means disabled (a bound of 0).
func (c Config) CompileCacheBytes() (int64, error) {
	n, err := units.RAMInBytes(c.CompileCache)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q, want a size such as 1GiB or 512MiB, or 0 to disable the cache", c.CompileCache)
	}
	if n == 0 {
		return -1, nil
	}
	return n, nil
}

// RequireDatabase reports a missing database URL with what to do about it.
func (c Config) RequireDatabase() error {
	if c.DatabaseURL == "" {
		return errors.New("database_url is not set: pass --database-url, set JUDGE_DATABASE_URL, or run `make stack` to start a local PostgreSQL")
	}
	return nil
}

// RequireKafka reports missing brokers with what to do about it.
func (c Config) RequireKafka() error {
	if len(c.KafkaBrokers) == 0 {
		return errors.New("kafka_brokers is not set: pass --kafka-brokers, set JUDGE_KAFKA_BROKERS, or run `make stack` to start a local Kafka broker")
	}
	return nil
}

func validateDSN(dsn string) error {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return fmt.Errorf("not a valid URL: %w", err)
		}
		if u.Host == "" {
			return errors.New("URL has no host")
		}
		return nil
	}
	if strings.Contains(dsn, "=") {
		return nil // key=value form; lib/pq reports its own errors on connect
	}
	return errors.New("want postgres://user@host:port/db or key=value pairs")
}
