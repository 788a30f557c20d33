package problem

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

type entry struct {
	name     string
	typeflag byte
	body     string
	link     string
}

func tarGz(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if e.typeflag != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if e.typeflag == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func validEntries(prefix string) []entry {
	return []entry{
		{name: prefix + "problem.yaml", typeflag: tar.TypeReg, body: "name: A\n"},
		{name: prefix + "data/secret/1.in", typeflag: tar.TypeReg, body: "1"},
		{name: prefix + "data/secret/1.ans", typeflag: tar.TypeReg, body: "1"},
	}
}

func TestLoadArchiveTopDirAndHardLink(t *testing.T) {
	es := append(validEntries("pkg/"), entry{name: "pkg/data/secret/2.in", typeflag: tar.TypeLink, link: "pkg/data/secret/1.in"},
		entry{name: "pkg/data/secret/2.ans", typeflag: tar.TypeReg, body: "1"})
	p, err := LoadArchive(bytes.NewReader(tarGz(t, es)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "A" || len(p.Tests()) != 2 || string(p.Tests()[1].Input) != "1" {
		t.Fatalf("got %+v", p.Tests())
	}
}

func TestLoadArchiveRefusesHostile(t *testing.T) {
	tests := []struct {
		name    string
		extra   entry
		wantErr string
	}{
		{"dotdot", entry{name: "../evil", typeflag: tar.TypeReg, body: "x"}, "escapes the package"},
		{"nested dotdot", entry{name: "data/../../evil", typeflag: tar.TypeReg, body: "x"}, "escapes the package"},
		{"absolute", entry{name: "/etc/cron.d/x", typeflag: tar.TypeReg, body: "x"}, "absolute path"},
		{"symlink out", entry{name: "data/secret/2.in", typeflag: tar.TypeSymlink, link: "../../../../etc/passwd"}, "escapes the package"},
		{"symlink absolute", entry{name: "data/secret/2.in", typeflag: tar.TypeSymlink, link: "/etc/passwd"}, "escapes the package"},
		{"hard link out", entry{name: "data/secret/2.in", typeflag: tar.TypeLink, link: "../x"}, "escapes the package"},
		{"device", entry{name: "dev", typeflag: tar.TypeChar}, "unsupported entry type"},
		{"fifo", entry{name: "fifo", typeflag: tar.TypeFifo}, "unsupported entry type"},
		{"duplicate", entry{name: "problem.yaml", typeflag: tar.TypeReg, body: "x"}, "duplicate entry"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es := append(validEntries(""), tc.extra)
			if tc.name == "symlink out" || tc.name == "symlink absolute" {
				es = append(es, entry{name: "data/secret/2.ans", typeflag: tar.TypeReg, body: "1"})
			}
			_, err := LoadArchive(bytes.NewReader(tarGz(t, es)))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoadArchiveZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("problem.yaml")
	w.Write([]byte("name: A\n"))
	w, _ = zw.Create("data/secret/1.in")
	zeros := make([]byte, 1<<20)
	const limit = 8 << 20
	for i := 0; i < limit>>20+1; i++ { // compresses to a few KiB, expands past the cap
		w.Write(zeros)
	}
	zw.Close()
	if buf.Len() > 1<<20 {
		t.Fatalf("test archive unexpectedly large: %d", buf.Len())
	}
	_, err := readArchive(bytes.NewReader(buf.Bytes()), limit)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("zip bomb: got %v", err)
	}
}

func TestLoadArchiveGarbage(t *testing.T) {
	for _, in := range []string{"", "hello world, not an archive", "\x1f\x8bnot gzip"} {
		if _, err := LoadArchive(strings.NewReader(in)); err == nil {
			t.Errorf("LoadArchive(%q) accepted garbage", in)
		}
	}
}
