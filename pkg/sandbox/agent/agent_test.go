package agent

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	req := Request{Argv: []string{"./main"}, Files: map[string]File{"main": {Data: []byte{0, 1, 2}, Mode: 0o755}}, CPUTimeNs: 5}
	if err := WriteJSON(&buf, FrameRequest, req); err != nil {
		t.Fatal(err)
	}
	if err := WriteFrame(&buf, FrameStdinEOF, nil); err != nil {
		t.Fatal(err)
	}
	typ, p, err := ReadFrame(&buf)
	if err != nil || typ != FrameRequest || !bytes.Contains(p, []byte(`"argv":["./main"]`)) {
		t.Fatalf("frame 1: %q %s %v", typ, p, err)
	}
	typ, p, err = ReadFrame(&buf)
	if err != nil || typ != FrameStdinEOF || len(p) != 0 {
		t.Fatalf("frame 2: %q %q %v", typ, p, err)
	}
	if _, _, err := ReadFrame(&buf); err != io.EOF {
		t.Fatalf("after the last frame: %v, want EOF", err)
	}
}

func TestReadFrameRejectsTruncatedAndHuge(t *testing.T) {
	if _, _, err := ReadFrame(bytes.NewReader([]byte{'R', 0, 0, 0, 9, 'x'})); err == nil {
		t.Error("truncated payload accepted")
	}
	if _, _, err := ReadFrame(bytes.NewReader([]byte{'R', 0xff, 0xff, 0xff, 0xff})); err == nil || !strings.Contains(err.Error(), "cap") {
		t.Errorf("huge frame: %v, want a cap error", err)
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"main.c", "src/a.py", "fb/x"} {
		if err := ValidName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\\b", "a\x00b"} {
		if err := ValidName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestWriteFilesNeverFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "target")
	if err := os.Symlink(outside, filepath.Join(dir, "main")); err != nil {
		t.Fatal(err)
	}
	if err := writeFiles(dir, map[string]File{"main": {Data: []byte("x")}}); err == nil {
		t.Fatal("wrote through a planted symlink")
	}
	if _, err := os.Stat(outside); !os.IsNotExist(err) {
		t.Fatalf("the link target was created: %v", err)
	}
	if err := writeFiles(dir, map[string]File{"../escape": {Data: []byte("x")}}); err == nil {
		t.Fatal("accepted ../escape")
	}
	if err := writeFiles(dir, map[string]File{"d/e/run": {Data: []byte("#!/bin/sh\n"), Mode: 0o755}}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "d/e/run"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("d/e/run: %v %v, want mode 0755", fi, err)
	}
}

func TestCollectSkipsLinksAndFIFOs(t *testing.T) {
	dir := t.TempDir()
	fb := filepath.Join(dir, "fb")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(fb, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(fb, "ok.txt"), []byte("fine"), 0o644))
	must(os.WriteFile(filepath.Join(fb, "sub", "deep.txt"), []byte("deep"), 0o644))
	must(os.Symlink("/etc/passwd", filepath.Join(fb, "passwd")))
	must(os.Symlink("/", filepath.Join(fb, "root")))
	must(syscall.Mkfifo(filepath.Join(fb, "fifo"), 0o644))
	must(os.Symlink("/etc", filepath.Join(dir, "linkdir")))

	got, tooLarge, err := collect(dir, "fb", 1<<20)
	if err != nil || tooLarge {
		t.Fatalf("collect: %v tooLarge=%v", err, tooLarge)
	}
	if len(got) != 2 || string(got["ok.txt"].Data) != "fine" || string(got["sub/deep.txt"].Data) != "deep" {
		t.Fatalf("collected %v, want ok.txt and sub/deep.txt only", got)
	}
	got, _, err = collect(dir, "linkdir", 1<<20)
	if err != nil || len(got) != 0 {
		t.Fatalf("collect through a symlinked dir: %v %v, want nothing", got, err)
	}
	_, tooLarge, _ = collect(dir, "fb", 5)
	if !tooLarge {
		t.Fatal("a 5-byte cap did not report too large")
	}
}

func TestReadCapped(t *testing.T) {
	var buf bytes.Buffer
	if over := readCapped(strings.NewReader("hello world"), &buf, 5); !over || buf.String() != "hello" {
		t.Fatalf("over=%v %q", over, buf.String())
	}
	buf.Reset()
	if over := readCapped(strings.NewReader("hi"), &buf, 5); over || buf.String() != "hi" {
		t.Fatalf("over=%v %q", over, buf.String())
	}
}

func TestEmptyDirRemovesTreesWithoutFollowingLinks(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "tree")
	if err := os.MkdirAll(filepath.Join(sub, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := emptyDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Fatalf("the link target was touched: %v", err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Fatalf("left %v", left)
	}
}

func TestProgramCache(t *testing.T) {
	a := New(DefaultConfig(), io.Discard)
	prog := map[string]File{"main": {Data: []byte("bin"), Mode: 0o755}}
	got, err := a.programFiles(&Request{Program: prog, ProgramID: "p1"})
	if err != nil || string(got["main"].Data) != "bin" {
		t.Fatalf("first request: %v %v", got, err)
	}
	got, err = a.programFiles(&Request{ProgramID: "p1"})
	if err != nil || string(got["main"].Data) != "bin" {
		t.Fatalf("cached request: %v %v", got, err)
	}
	if _, err := a.programFiles(&Request{ProgramID: "p2"}); err == nil {
		t.Fatal("an uncached program id was accepted")
	}
	huge := map[string]File{"big": {Data: make([]byte, CacheBytes+1)}}
	if _, err := a.programFiles(&Request{Program: huge, ProgramID: "p3"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.programFiles(&Request{ProgramID: "p3"}); err == nil {
		t.Fatal("a program over CacheBytes was cached")
	}
	if _, err := a.programFiles(&Request{ProgramID: "p1"}); err == nil {
		t.Fatal("the old program stayed cached after another was sent")
	}
}
