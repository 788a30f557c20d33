package testenv

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadSettings(t *testing.T) {
	root := t.TempDir()
	stackFile := filepath.Join(root, ".stack", "stack.env")
	writeFile(t, stackFile, strings.Join([]string{
		"# written by make stack",
		"JUDGE_DATABASE_URL=postgres://judge@127.0.0.1:55432/judge?sslmode=disable",
		"JUDGE_KAFKA_BROKERS=127.0.0.1:59092, 127.0.0.1:59094",
		"JUDGE_DOCKER_HOST=unix:///var/run/docker.sock",
		"",
	}, "\n"))
	other := filepath.Join(t.TempDir(), "other.env")
	writeFile(t, other, "JUDGE_DATABASE_URL=postgres://other@db:5432/x\n")
	deep := filepath.Join(root, "pkg", "store", "testdata")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		dir  string
		env  map[string]string
		want Settings
	}{
		{
			name: "found from a nested directory",
			dir:  deep,
			want: Settings{
				DatabaseURL:  "postgres://judge@127.0.0.1:55432/judge?sslmode=disable",
				KafkaBrokers: []string{"127.0.0.1:59092", "127.0.0.1:59094"},
				DockerHost:   "unix:///var/run/docker.sock",
				Source:       stackFile,
			},
		},
		{
			name: "environment wins per value",
			dir:  deep,
			env:  map[string]string{"JUDGE_KAFKA_BROKERS": "kafka:9092", "JUDGE_DOCKER_HOST": "tcp://d:2375"},
			want: Settings{
				DatabaseURL:  "postgres://judge@127.0.0.1:55432/judge?sslmode=disable",
				KafkaBrokers: []string{"kafka:9092"},
				DockerHost:   "tcp://d:2375",
				Source:       stackFile,
			},
		},
		{
			name: "JUDGE_STACK_FILE replaces the search",
			dir:  deep,
			env:  map[string]string{"JUDGE_STACK_FILE": other},
			want: Settings{DatabaseURL: "postgres://other@db:5432/x", Source: other},
		},
		{
			name: "JUDGE_STACK_FILE not written yet: environment only",
			dir:  deep,
			env:  map[string]string{"JUDGE_STACK_FILE": filepath.Join(root, "nope.env"), "JUDGE_DATABASE_URL": "postgres://e@h/d"},
			want: Settings{DatabaseURL: "postgres://e@h/d", Source: "environment"},
		},
		{
			name: "no file anywhere",
			dir:  t.TempDir(),
			env:  map[string]string{"JUDGE_KAFKA_BROKERS": "a:1,,b:2"},
			want: Settings{KafkaBrokers: []string{"a:1", "b:2"}, Source: "environment"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadSettings(tt.dir, func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatalf("LoadSettings: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("LoadSettings(%s)\n got %+v\nwant %+v", tt.dir, got, tt.want)
			}
		})
	}
}

func TestLoadSettingsMalformedFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "stack.env")
	writeFile(t, bad, "JUDGE_DATABASE_URL=postgres://x@y/z\nthis line has no equals sign\n")
	_, err := LoadSettings("", func(k string) string {
		if k == "JUDGE_STACK_FILE" {
			return bad
		}
		return ""
	})
	if err == nil {
		t.Fatal("LoadSettings accepted a malformed stack file")
	}
	if !strings.Contains(err.Error(), bad+":2") {
		t.Errorf("error %q does not name the file and line", err)
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://judge@127.0.0.1:55432/judge?sslmode=disable", "postgres://judge@127.0.0.1:55432/judge_test_x?sslmode=disable"},
		{"postgresql://u:p@h:1", "postgresql://u:p@h:1/judge_test_x"},
		{"host=h port=1 dbname=judge", "host=h port=1 dbname=judge dbname=judge_test_x"},
	}
	for _, tt := range tests {
		got, err := withDatabase(tt.dsn, "judge_test_x")
		if err != nil {
			t.Fatalf("withDatabase(%q): %v", tt.dsn, err)
		}
		if got != tt.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

func TestUniqueNameIsValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n := uniqueName("judge_test_")
		if len(n) != len("judge_test_")+12 || strings.Trim(n[len("judge_test_"):], "0123456789abcdef") != "" {
			t.Fatalf("uniqueName = %q, want prefix and 12 lowercase hex digits", n)
		}
		if seen[n] {
			t.Fatalf("uniqueName repeated %q", n)
		}
		seen[n] = true
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
