// Package config owns the daemon's settings and the order in which they are resolved:
// command-line flags, then JUDGE_* environment variables, then the YAML file named by --config
// (or JUDGE_CONFIG), then the local stack's settings file (.stack/stack.env, written by
// `make stack`), then the defaults below.
//
// Every field is described once, by its struct tags: `yaml` (file key), `env` (variable),
// `flag` (command-line name), `usage` (help text) and `secret:"true"` (masked when printed).
package config

import (
	"github.com/judge-dev/judge/pkg/srcfiles"

	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
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
	// OpsListen, when set, is where every role of the process serves /metrics, /healthz and
	// /readyz: the only HTTP a relay or a worker has.
	OpsListen string `yaml:"ops_listen" env:"JUDGE_OPS_LISTEN" flag:"ops-listen" usage:"listen address of the ops endpoints (/metrics, /healthz, /readyz) of every role (empty: off)"`
	// LanguagesFile overrides the embedded language table.
	LanguagesFile string `yaml:"languages_file" env:"JUDGE_LANGUAGES_FILE" flag:"languages-file" usage:"YAML file that replaces the built-in language table"`
	// Slots is how many submissions a worker judges at once; 0 means the CPU count.
	Slots int `yaml:"slots" env:"JUDGE_SLOTS" flag:"slots" usage:"concurrent runs per worker (0 = number of CPUs)"`
	// SandboxMode is fresh (a new container per submission) or reuse (warm containers, reset between runs).
	SandboxMode string `yaml:"sandbox_mode" env:"JUDGE_SANDBOX_MODE" flag:"sandbox-mode" usage:"sandbox isolation mode: fresh or reuse"`
	// SandboxMaxUses is how many submissions a reuse-mode container serves before it is
	// replaced by a new one (defence in depth beside the checked wipe after every submission).
	SandboxMaxUses int `yaml:"sandbox_max_uses" env:"JUDGE_SANDBOX_MAX_USES" flag:"sandbox-max-uses" usage:"submissions a reuse-mode container serves before it is replaced"`
	// CompileCache bounds the compiled programs a worker keeps in memory by source hash.
	CompileCache ByteSize `yaml:"compile_cache" env:"JUDGE_COMPILE_CACHE" flag:"compile-cache" usage:"bytes of compiled programs a worker keeps by source hash, e.g. 1GiB (0 disables)"`
	// ProblemCache bounds the loaded problem packages a worker keeps in memory by package hash.
	ProblemCache ByteSize `yaml:"problem_cache" env:"JUDGE_PROBLEM_CACHE" flag:"problem-cache" usage:"bytes of loaded problem packages (test data) a worker keeps by package hash, e.g. 1GiB (0 disables)"`
	// LeaseDuration is how long a worker's claim on a submission lasts without renewal.
	LeaseDuration time.Duration `yaml:"lease_duration" env:"JUDGE_LEASE_DURATION" flag:"lease-duration" usage:"worker lease on a running submission"`
	// RedispatchAfter is how long a submission may stay queued after its last dispatch before
	// the relay's reconciler dispatches it again (its Kafka record may be lost).
	RedispatchAfter time.Duration `yaml:"redispatch_after" env:"JUDGE_REDISPATCH_AFTER" flag:"redispatch-after" usage:"re-dispatch a submission queued this long since its last dispatch (doubling per re-dispatch)"`
	// RelayCheckInterval is the period of the relay leader's inspection of its slot and
	// publication and of its outbox reconciliation.
	RelayCheckInterval time.Duration `yaml:"relay_check_interval" env:"JUDGE_RELAY_CHECK_INTERVAL" flag:"relay-check-interval" usage:"how often the active relay inspects its slot and publication and reconciles the outbox"`
	// HealthInterval is how often a worker checks its Docker engine and database; while one
	// fails it takes no new work.
	HealthInterval time.Duration `yaml:"health_interval" env:"JUDGE_HEALTH_INTERVAL" flag:"health-interval" usage:"how often a worker checks Docker and PostgreSQL (it pauses consumption while one fails)"`
	// SubmitRate is how many submissions per second one API token may make on one API replica
	// (a token bucket with bursts of SubmitBurst); 0 turns the limit off.
	SubmitRate int `yaml:"submit_rate" env:"JUDGE_SUBMIT_RATE" flag:"submit-rate" usage:"submissions per second one token may make on one API replica (0 = unlimited)"`
	// SubmitBurst is the burst allowed above SubmitRate.
	SubmitBurst int `yaml:"submit_burst" env:"JUDGE_SUBMIT_BURST" flag:"submit-burst" usage:"burst of submissions allowed above submit_rate"`
	// MaxEventStreams caps the SSE streams one API replica serves at once.
	MaxEventStreams int `yaml:"max_event_streams" env:"JUDGE_MAX_EVENT_STREAMS" flag:"max-event-streams" usage:"open SSE streams per API replica; beyond it 503 with Retry-After"`
	// MaxWaits caps the requests one API replica holds in ?wait= at once.
	MaxWaits int `yaml:"max_waits" env:"JUDGE_MAX_WAITS" flag:"max-waits" usage:"requests per API replica waiting with ?wait= at once; beyond it they are answered without waiting"`
	// TokenCacheTTL is how long an API replica trusts a token it looked up without asking the
	// database again: a token revoked elsewhere keeps working on it for at most this long.
	TokenCacheTTL time.Duration `yaml:"token_cache_ttl" env:"JUDGE_TOKEN_CACHE_TTL" flag:"token-cache-ttl" usage:"how long an API replica trusts a token it looked up (a revoked token keeps working there for up to this long; 0 = ask the database on every request)"`
	// MaxPackageBytes caps a problem package upload as sent (compressed).
	MaxPackageBytes ByteSize `yaml:"max_package_bytes" env:"JUDGE_MAX_PACKAGE_BYTES" flag:"max-package-bytes" usage:"largest problem package upload, compressed"`
	// MaxPackageUnpackedBytes caps the sum of a package's files, decompressed.
	MaxPackageUnpackedBytes ByteSize `yaml:"max_package_unpacked_bytes" env:"JUDGE_MAX_PACKAGE_UNPACKED_BYTES" flag:"max-package-unpacked-bytes" usage:"largest problem package, decompressed (counted while it decompresses)"`
	// MaxTestFileBytes caps one file of a package (a test input or answer), decompressed.
	MaxTestFileBytes ByteSize `yaml:"max_test_file_bytes" env:"JUDGE_MAX_TEST_FILE_BYTES" flag:"max-test-file-bytes" usage:"largest file of a problem package (a test input or answer), decompressed"`
	// MaxSubmissionFiles, MaxSubmissionBytes and MaxSubmissionPathBytes cap a multi-file
	// submission (its files, their total size, one path's length).
	MaxSubmissionFiles     int      `yaml:"max_submission_files" env:"JUDGE_MAX_SUBMISSION_FILES" flag:"max-submission-files" usage:"most files of a multi-file submission"`
	MaxSubmissionBytes     ByteSize `yaml:"max_submission_bytes" env:"JUDGE_MAX_SUBMISSION_BYTES" flag:"max-submission-bytes" usage:"most bytes of a multi-file submission's files together (decompressed, for Judge0 additional_files)"`
	MaxSubmissionPathBytes int      `yaml:"max_submission_path_bytes" env:"JUDGE_MAX_SUBMISSION_PATH_BYTES" flag:"max-submission-path-bytes" usage:"longest path of a file of a multi-file submission"`
	// RequestMemoryBudget is the most one API request may grow the process by.
	RequestMemoryBudget ByteSize `yaml:"request_memory_budget" env:"JUDGE_REQUEST_MEMORY_BUDGET" flag:"request-memory-budget" usage:"most memory one API request may take; package uploads keep a quarter of it in memory and spill test data to disk"`
	// UploadSpillDir is where package uploads are spooled and their test data spilled.
	UploadSpillDir string `yaml:"upload_spill_dir" env:"JUDGE_UPLOAD_SPILL_DIR" flag:"upload-spill-dir" usage:"directory for spooled package uploads (default: the system's temporary directory)"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level" env:"JUDGE_LOG_LEVEL" flag:"log-level" usage:"log level: debug, info, warn, error"`
	// LogFormat is text or json.
	LogFormat string `yaml:"log_format" env:"JUDGE_LOG_FORMAT" flag:"log-format" usage:"log format: text or json"`
	// Judge0Listen, when set, is a second API listen address that answers the Judge0 routes at
	// the root, for clients configured with a bare Judge0 URL.
	Judge0Listen string `yaml:"judge0_listen" env:"JUDGE_JUDGE0_LISTEN" flag:"judge0-listen" usage:"listen address that serves the Judge0 API at the root (empty: only under /judge0 on --listen)"`
	// Judge0CallbackHosts are the hosts a Judge0 callback_url may name; empty (the default)
	// turns Judge0 callbacks off, so the API never calls out to an address a client chose.
	Judge0CallbackHosts []string `yaml:"judge0_callback_hosts" env:"JUDGE_JUDGE0_CALLBACK_HOSTS" flag:"judge0-callback-hosts" usage:"host names Judge0 callback_url may name, comma separated (empty: callbacks off)"`
}

// The defaults the libraries fall back on as well (queue, cdc, worker), so that a setting left
// zero in their options means the same as here.
const (
	DefaultKafkaTopic         = "judge.submissions"
	DefaultConsumerGroup      = "judge-workers"
	DefaultSlot               = "judge_relay"
	DefaultLease              = 30 * time.Second
	DefaultGrace              = 20 * time.Second
	DefaultRedispatchAfter    = 2 * time.Minute
	DefaultRelayCheckInterval = 10 * time.Second
	DefaultHealthInterval     = 2 * time.Second
	// A reuse-mode container is created, started and removed once per this many submissions:
	// at 100 that churn cost the Docker engine more CPU per C hello world than PostgreSQL spent
	// on it (docs/benchmarks.md, issue 17).
	DefaultSandboxMaxUses = 1000

	// The API's request limits (api.DefaultLimits uses them too).
	DefaultSubmitRate              = 100
	DefaultSubmitBurst             = 200
	DefaultMaxEventStreams         = 500
	DefaultMaxWaits                = 200
	DefaultTokenCacheTTL           = 5 * time.Second // store.DefaultTokenCacheTTL, for a store not given the setting
	DefaultMaxPackageBytes         = 64 << 20
	DefaultMaxPackageUnpackedBytes = 1 << 30
	DefaultMaxTestFileBytes        = 256 << 20
	DefaultRequestMemoryBudget     = 256 << 20
)

// Default returns the settings used when nothing else is given.
func Default() Config {
	return Config{
		KafkaTopic:         DefaultKafkaTopic,
		KafkaPartitions:    12,
		Listen:             "127.0.0.1:8080",
		SandboxMode:        "reuse",
		SandboxMaxUses:     DefaultSandboxMaxUses,
		CompileCache:       1 << 30,
		ProblemCache:       1 << 30,
		LeaseDuration:      DefaultLease,
		RedispatchAfter:    DefaultRedispatchAfter,
		RelayCheckInterval: DefaultRelayCheckInterval,
		HealthInterval:     DefaultHealthInterval,
		LogLevel:           "info",
		LogFormat:          "text",
		SubmitRate:         DefaultSubmitRate,
		SubmitBurst:        DefaultSubmitBurst,
		MaxEventStreams:    DefaultMaxEventStreams,
		MaxWaits:           DefaultMaxWaits,
		TokenCacheTTL:      DefaultTokenCacheTTL,
		MaxPackageBytes:    DefaultMaxPackageBytes,
		// A gigabyte of test data decompressed, 256 MiB in one file: what real ICPC packages need,
		// spilled to disk and stored in chunks, never held in memory.
		MaxPackageUnpackedBytes: DefaultMaxPackageUnpackedBytes,
		MaxTestFileBytes:        DefaultMaxTestFileBytes,
		RequestMemoryBudget:     DefaultRequestMemoryBudget,
		MaxSubmissionFiles:      srcfiles.DefaultCaps().MaxFiles,
		MaxSubmissionBytes:      ByteSize(srcfiles.DefaultCaps().MaxBytes),
		MaxSubmissionPathBytes:  srcfiles.DefaultCaps().MaxPathBytes,
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
	if c.SandboxMaxUses < 1 {
		errs = append(errs, fmt.Errorf("sandbox_max_uses (JUDGE_SANDBOX_MAX_USES): %d, want at least 1", c.SandboxMaxUses))
	}
	if c.LeaseDuration < time.Second {
		errs = append(errs, fmt.Errorf("lease_duration (JUDGE_LEASE_DURATION): %s, want at least 1s", c.LeaseDuration))
	}
	if c.RedispatchAfter < time.Second {
		errs = append(errs, fmt.Errorf("redispatch_after (JUDGE_REDISPATCH_AFTER): %s, want at least 1s", c.RedispatchAfter))
	}
	if c.RelayCheckInterval < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("relay_check_interval (JUDGE_RELAY_CHECK_INTERVAL): %s, want at least 100ms", c.RelayCheckInterval))
	}
	if c.HealthInterval < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("health_interval (JUDGE_HEALTH_INTERVAL): %s, want at least 100ms", c.HealthInterval))
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"submit_rate (JUDGE_SUBMIT_RATE)", c.SubmitRate}, {"submit_burst (JUDGE_SUBMIT_BURST)", c.SubmitBurst}} {
		if v.n < 0 {
			errs = append(errs, fmt.Errorf("%s: %d, want 0 or more", v.name, v.n))
		}
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"max_event_streams (JUDGE_MAX_EVENT_STREAMS)", c.MaxEventStreams}, {"max_waits (JUDGE_MAX_WAITS)", c.MaxWaits}} {
		if v.n < 1 {
			errs = append(errs, fmt.Errorf("%s: %d, want at least 1", v.name, v.n))
		}
	}
	if c.TokenCacheTTL < 0 || c.TokenCacheTTL > time.Minute {
		errs = append(errs, fmt.Errorf("token_cache_ttl (JUDGE_TOKEN_CACHE_TTL): %s, want 0 (off) to 1m: it is how long a revoked token keeps working", c.TokenCacheTTL))
	}
	for _, v := range []struct {
		name string
		n    ByteSize
	}{{"max_package_bytes (JUDGE_MAX_PACKAGE_BYTES)", c.MaxPackageBytes}, {"max_package_unpacked_bytes (JUDGE_MAX_PACKAGE_UNPACKED_BYTES)", c.MaxPackageUnpackedBytes},
		{"max_test_file_bytes (JUDGE_MAX_TEST_FILE_BYTES)", c.MaxTestFileBytes}} {
		if v.n < 1<<10 {
			errs = append(errs, fmt.Errorf("%s: %s, want at least 1KiB", v.name, v.n))
		}
	}
	if c.MaxSubmissionFiles < 1 || c.MaxSubmissionPathBytes < 16 || c.MaxSubmissionBytes < 1<<10 {
		errs = append(errs, fmt.Errorf("max_submission_files %d, max_submission_path_bytes %d, max_submission_bytes %s: want at least 1 file, 16-byte paths and 1KiB",
			c.MaxSubmissionFiles, c.MaxSubmissionPathBytes, c.MaxSubmissionBytes))
	}
	if c.RequestMemoryBudget < 16<<20 {
		errs = append(errs, fmt.Errorf("request_memory_budget (JUDGE_REQUEST_MEMORY_BUDGET): %s, want at least 16MiB (request bodies alone take 1 MiB each)", c.RequestMemoryBudget))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level (JUDGE_LOG_LEVEL): %q, want debug, info, warn or error", c.LogLevel))
	}
	for _, h := range c.Judge0CallbackHosts {
		if h == "" || strings.ContainsAny(h, "/:@ ") {
			errs = append(errs, fmt.Errorf("judge0_callback_hosts (JUDGE_JUDGE0_CALLBACK_HOSTS): %q is not a host name (no scheme, port or path)", h))
		}
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log_format (JUDGE_LOG_FORMAT): %q, want text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// CompileCacheBytes is the compile cache's bound in bytes as sandbox.Options wants it: -1 means
// disabled (a setting of 0).
func (c Config) CompileCacheBytes() int64 {
	if c.CompileCache == 0 {
		return -1
	}
	return int64(c.CompileCache)
}

// ProblemCacheBytes is ProblemCache for worker.NewSandboxJudger, where 0 means the default:
// a configured 0 disables the cache, so it becomes -1.
func (c Config) ProblemCacheBytes() int64 {
	if c.ProblemCache == 0 {
		return -1
	}
	return int64(c.ProblemCache)
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
