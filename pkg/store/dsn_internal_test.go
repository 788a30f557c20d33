package store

import "testing"

func TestWithBinaryParameters(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://judge@127.0.0.1:5432/judge?sslmode=disable", "postgres://judge@127.0.0.1:5432/judge?binary_parameters=yes&sslmode=disable"},
		{"postgres://judge@h/db?binary_parameters=no", "postgres://judge@h/db?binary_parameters=no"},
		{"host=/run/postgresql dbname=judge", "host=/run/postgresql dbname=judge binary_parameters=yes"},
		{"host=h binary_parameters=no", "host=h binary_parameters=no"},
	}
	for _, tt := range tests {
		if got := withBinaryParameters(tt.dsn); got != tt.want {
			t.Errorf("withBinaryParameters(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}
