package problem

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func capsPackage(secret string) []entry {
	reg := func(name, body string) entry { return entry{name: name, typeflag: tar.TypeReg, body: body} }
	return []entry{
		reg("pkg/problem.yaml", "name: Caps\n"),
		reg("pkg/data/sample/1.in", "1\n"), reg("pkg/data/sample/1.ans", "1\n"),
		reg("pkg/data/secret/big.in", secret), reg("pkg/data/secret/big.ans", "2\n"),
		reg("pkg/submissions/accepted/a.py", strings.Repeat("#", 100)+"\n"),
	}
}

func TestLoadArchiveFileSpillsTestData(t *testing.T) {
	for _, format := range []string{"tar.gz", "zip"} {
		t.Run(format, func(t *testing.T) {
			data := tarGz(t, capsPackage(strings.Repeat("7", 5000)))
			if format == "zip" {
				data = zipOf(t, capsPackage(strings.Repeat("7", 5000)))
			}
			dir := t.TempDir()
			p, err := LoadArchiveFile(bytes.NewReader(data), int64(len(data)), Caps{MaxFileBytes: 1 << 20, MaxTotalBytes: 1 << 20, MaxMemoryBytes: 1 << 10, SpillDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			var big *Test
			for _, tc := range p.Tests() {
				if tc.Name == "secret/big" {
					big = tc
				}
			}
			if big == nil || big.Input != nil || big.InputFile == "" || big.AnswerFile == "" {
				t.Fatalf("big test %+v, want spilled to files", big)
			}
			if b, err := os.ReadFile(big.InputFile); err != nil || string(b) != strings.Repeat("7", 5000) {
				t.Errorf("spilled input: %d bytes, %v", len(b), err)
			}
		})
	}
}

func TestLoadArchiveFileCaps(t *testing.T) {
	for _, tc := range []struct {
		name string
		caps Caps
		cap  string
		path string
	}{
		{"per file", Caps{MaxFileBytes: 4000, MaxTotalBytes: 1 << 20, MaxMemoryBytes: 1 << 20}, "file", "data/secret/big.in"},
		{"total", Caps{MaxFileBytes: 1 << 20, MaxTotalBytes: 3000, MaxMemoryBytes: 1 << 20}, "total", "data/secret/big.in"},
		{"memory (not spilled)", Caps{MaxFileBytes: 1 << 20, MaxTotalBytes: 1 << 20, MaxMemoryBytes: 50}, "memory", "data/secret/big.in"},
		{"memory (spilled data, big source)", Caps{MaxFileBytes: 1 << 20, MaxTotalBytes: 1 << 20, MaxMemoryBytes: 50, SpillDir: "tmp"}, "memory", "submissions/accepted/a.py"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.caps.SpillDir != "" {
				tc.caps.SpillDir = t.TempDir()
			}
			data := tarGz(t, capsPackage(strings.Repeat("7", 5000)))
			_, err := LoadArchiveFile(bytes.NewReader(data), int64(len(data)), tc.caps)
			var lim *LimitError
			if !errors.As(err, &lim) || lim.Cap != tc.cap || !strings.HasSuffix(lim.Path, tc.path) {
				t.Errorf("error %v, want the %s cap crossed at %s", err, tc.cap, tc.path)
			}
		})
	}
}

func zipOf(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
