package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestLoadPrecedence checks flags > env > YAML file > stack file > defaults, field by field.
func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	stack := filepath.Join(dir, StackFileName)
	writeFile(t, stack, `# written by make stack
export JUDGE_DATABASE_URL="postgres://judge@127.0.0.1:55432/judge?sslmode=disable"
JUDGE_KAFKA_BROKERS=127.0.0.1:59092
JUDGE_LISTEN=127.0.0.1:1111
JUDGE_SLOTS=1
JUDGE_LOG_LEVEL=warn
`)
	yamlFile := filepath.Join(dir, "judge.yaml")
	writeFile(t, yamlFile, "listen: 127.0.0.1:2222\nslots: 2\nlease_duration: 45s\nlog_level: error\n")

	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	BindFlags(fs)
	if err := fs.Parse([]string{"--slots=4", "--config", yamlFile}); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Sources{
		Flags:  fs,
		Getenv: envMap(map[string]string{"JUDGE_SLOTS": "3", "JUDGE_LOG_LEVEL": "debug"}),
		Dir:    filepath.Join(dir, "sub", "dir"),
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"database_url from stack file", cfg.DatabaseURL, "postgres://judge@127.0.0.1:55432/judge?sslmode=disable"},
		{"kafka_brokers from stack file", cfg.KafkaBrokers, []string{"127.0.0.1:59092"}},
		{"listen: yaml beats stack file", cfg.Listen, "127.0.0.1:2222"},
		{"lease_duration from yaml", cfg.LeaseDuration, 45 * time.Second},
		{"log_level: env beats yaml", cfg.LogLevel, "debug"},
		{"slots: flag beats env", cfg.Slots, 4},
		{"kafka_topic default", cfg.KafkaTopic, "judge.submissions"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestCompileCacheBytes(t *testing.T) {
	for in, want := range map[string]int64{"1GiB": 1 << 30, "512MiB": 512 << 20, "0": -1} {
		size, err := ParseByteSize(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := (Config{CompileCache: size}).CompileCacheBytes(); got != want {
			t.Errorf("%q: %d; want %d", in, got, want)
		}
	}
	if got := Default().CompileCacheBytes(); got != 1<<30 {
		t.Errorf("default: %d; want 1 GiB", got)
	}
}

func TestProblemCacheBytes(t *testing.T) {
	for in, want := range map[string]int64{"1GiB": 1 << 30, "64MiB": 64 << 20, "0": -1} {
		size, err := ParseByteSize(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := (Config{ProblemCache: size}).ProblemCacheBytes(); got != want {
			t.Errorf("%q: %d; want %d", in, got, want)
		}
	}
	if got := Default().ProblemCacheBytes(); got != 1<<30 {
		t.Errorf("default: %d; want 1 GiB", got)
	}
}

func TestLoadErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		yaml string
		want string
	}{
		{"bad duration", map[string]string{"JUDGE_LEASE_DURATION": "soon"}, "", "JUDGE_LEASE_DURATION"},
		{"bad int", map[string]string{"JUDGE_SLOTS": "many"}, "", "JUDGE_SLOTS"},
		{"bad mode", map[string]string{"JUDGE_SANDBOX_MODE": "yolo"}, "", "sandbox_mode (JUDGE_SANDBOX_MODE)"},
		{"no uses", map[string]string{"JUDGE_SANDBOX_MAX_USES": "0"}, "", "sandbox_max_uses (JUDGE_SANDBOX_MAX_USES): 0, want at least 1"},
		{"bad dsn", map[string]string{"JUDGE_DATABASE_URL": "localhost"}, "", "database_url (JUDGE_DATABASE_URL)"},
		{"bad cache size", map[string]string{"JUDGE_COMPILE_CACHE": "lots"}, "", "JUDGE_COMPILE_CACHE"},
		{"bad broker", map[string]string{"JUDGE_KAFKA_BROKERS": "kafka"}, "", "kafka_brokers"},
		{"unknown yaml key", nil, "databse_url: x\n", `unknown setting "databse_url"`},
		{"yaml type", nil, "slots: lots\n", "slots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := Sources{Getenv: envMap(tt.env), StackFile: filepath.Join(t.TempDir(), "none.env")}
			if tt.yaml != "" {
				src.File = filepath.Join(t.TempDir(), "c.yaml")
				writeFile(t, src.File, tt.yaml)
			}
			_, err := Load(src)
			if err == nil {
				t.Fatal("want an error, got none")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestMaskedHidesPasswords(t *testing.T) {
	tests := []struct{ dsn, hidden, kept string }{
		{"postgres://judge:hunter2@db:5432/judge", "hunter2", "db:5432"},
		{"host=db user=judge password=hunter2 dbname=judge", "hunter2", "host=db"},
	}
	for _, tt := range tests {
		c := Default()
		c.DatabaseURL = tt.dsn
		out := c.Masked()
		if strings.Contains(out, tt.hidden) {
			t.Errorf("Masked() leaks the password of %q:\n%s", tt.dsn, out)
		}
		if !strings.Contains(out, tt.kept) {
			t.Errorf("Masked() lost %q of %q:\n%s", tt.kept, tt.dsn, out)
		}
	}
}

func TestRequireMessagesSayWhatToDo(t *testing.T) {
	c := Default()
	for _, err := range []error{c.RequireDatabase(), c.RequireKafka()} {
		if err == nil || !strings.Contains(err.Error(), "make stack") {
			t.Errorf("want a hint to run make stack, got %v", err)
		}
	}
}

func TestReadEnvFileRejectsGarbage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "stack.env")
	writeFile(t, p, "JUDGE_X=1\nnot a pair\n")
	_, err := ReadEnvFile(p)
	if err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Fatalf("want an error naming line 2, got %v", err)
	}
}
