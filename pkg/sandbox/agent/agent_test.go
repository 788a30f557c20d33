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
	w := NewWriter(&buf)
	req := Request{Argv: []string{"./main"}, Files: []FileHeader{{Name: "main", Mode: 0o755, Size: 3}}, CPUTimeNs: 5}
	if err := w.JSON(FrameRequest, req); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte{0, 1, 2}, DataChunk) // 3 chunks, raw bytes, no encoding
	if err := w.Data(FrameData, big); err != nil {
		t.Fatal(err)
	}
	if err := w.Frame(FrameStdinEOF, nil); err != nil {
		t.Fatal(err)
	}
	if want := 5 + len(`{"argv":["./main"]`); buf.Len() < want+3*5+len(big) || buf.Len() > 400+3*5+len(big) {
		t.Fatalf("stream of %d bytes for %d data bytes: data is not sent raw", buf.Len(), len(big))
	}
	fr := NewReader(&buf)
	typ, p, err := fr.Next()
	if err != nil || typ != FrameRequest || !bytes.Contains(p, []byte(`"argv":["./main"]`)) {
		t.Fatalf("frame 1: %q %s %v", typ, p, err)
	}
	got, err := io.ReadAll(NewDataReader(fr, int64(len(big))))
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("data: %d bytes, %v", len(got), err)
	}
	typ, p, err = fr.Next()
	if err != nil || typ != FrameStdinEOF || len(p) != 0 {
		t.Fatalf("last frame: %q %q %v", typ, p, err)
	}
	if _, _, err := fr.Next(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want EOF", err)
	}
}

func TestDataReaderRefusesOtherFrames(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	_ = w.Frame(FrameData, []byte("ab"))
	_ = w.Frame(FrameRequest, []byte("{}"))
	if _, err := io.ReadAll(NewDataReader(NewReader(&buf), 5)); err == nil {
		t.Fatal("a request frame was taken for data")
	}
	buf.Reset()
	_ = w.Frame(FrameData, []byte("abcdef"))
	if _, err := io.ReadAll(NewDataReader(NewReader(&buf), 5)); err == nil {
		t.Fatal("a data frame longer than announced was accepted")
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
	for _, bad := range []string{"", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\\b", "a\x00b", "a\nb", "\xff.o"} {
		if err := ValidName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestWriteFileNeverFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	buf := make([]byte, 16)
	outside := filepath.Join(t.TempDir(), "target")
	if err := os.Symlink(outside, filepath.Join(dir, "main")); err != nil {
		t.Fatal(err)
	}
	if _, err := writeFile(dir, FileHeader{Name: "main", Size: 1}, strings.NewReader("x"), buf); err == nil {
		t.Fatal("wrote through a planted symlink")
	}
	if _, err := os.Stat(outside); !os.IsNotExist(err) {
		t.Fatalf("the link target was created: %v", err)
	}
	if _, err := writeFile(dir, FileHeader{Name: "../escape", Size: 1}, strings.NewReader("x"), buf); err == nil {
		t.Fatal("accepted ../escape")
	}
	body := strings.Repeat("#!/bin/sh\n", 10) // longer than the copy buffer
	if _, err := writeFile(dir, FileHeader{Name: "d/e/run", Mode: 0o755, Size: int64(len(body))}, strings.NewReader(body+"NEXT"), buf); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "d/e/run"))
	if err != nil || fi.Mode().Perm() != 0o755 || fi.Size() != int64(len(body)) {
		t.Fatalf("d/e/run: %v %v, want mode 0755 and %d bytes", fi, err, len(body))
	}
	if fi, err := os.Stat(filepath.Join(dir, "d")); err != nil || fi.Mode()&os.ModeSticky == 0 {
		t.Fatalf("d: %v %v, want a sticky directory", fi, err)
	}
	if _, err := writeFile(dir, FileHeader{Name: "short", Size: 10}, strings.NewReader("abc"), buf); err == nil {
		t.Fatal("a file cut short was accepted")
	}
}

func TestWipeKeepingKeepsOnlyTheAgentsFiles(t *testing.T) {
	dir := t.TempDir()
	buf := make([]byte, 16)
	kept := map[string]keptFile{}
	for _, name := range []string{"main", "lib/a.py"} {
		k, err := writeFile(dir, FileHeader{Name: name, Size: 2}, strings.NewReader("ok"), buf)
		if err != nil {
			t.Fatal(err)
		}
		kept[name] = k
	}
	for _, junk := range []string{"out.txt", "lib/extra", "tree/x"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, junk)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, junk), []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if os.Getuid() != 0 {
		t.Skip("kept files must be root's; run as root to check the wipe")
	}
	if err := wipeKeeping(dir, "", kept); err != nil {
		t.Fatal(err)
	}
	var left []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			left = append(left, rel)
		}
		return nil
	})
	if strings.Join(left, ",") != "lib/a.py,main" {
		t.Fatalf("left %v, want the two kept files", left)
	}
	// A kept file replaced by another (the program cannot, but the wipe does not assume it).
	if err := os.Remove(filepath.Join(dir, "main")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := wipeKeeping(dir, "", kept); err == nil {
		t.Fatal("a replaced kept file passed the wipe's check")
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

	must(os.WriteFile(filepath.Join(fb, "a\\b"), []byte("bad"), 0o644))

	got := map[string]string{}
	send := func(h FileHeader, f *os.File) error {
		b, err := io.ReadAll(f)
		if int64(len(b)) != h.Size {
			t.Errorf("%s: header says %d bytes, file has %d", h.Name, h.Size, len(b))
		}
		got[h.Name] = string(b)
		return err
	}
	tooLarge, bad, err := collect(dir, "fb", 1<<20, send)
	if err != nil || tooLarge {
		t.Fatalf("collect: %v tooLarge=%v", err, tooLarge)
	}
	if len(got) != 2 || got["ok.txt"] != "fine" || got["sub/deep.txt"] != "deep" {
		t.Fatalf("collected %v, want ok.txt and sub/deep.txt only", got)
	}
	if len(bad) != 1 || bad[0] != "a\\b" {
		t.Fatalf("bad names %q, want a\\b", bad)
	}
	clear(got)
	if _, _, err = collect(dir, "linkdir", 1<<20, send); err != nil || len(got) != 0 {
		t.Fatalf("collect through a symlinked dir: %v %v, want nothing", got, err)
	}
	tooLarge, _, _ = collect(dir, "fb", 5, send)
	if !tooLarge {
		t.Fatal("a 5-byte cap did not report too large")
	}
}

func TestForwardCapsAsBytesArrive(t *testing.T) {
	var out bytes.Buffer
	a := &Agent{out: NewWriter(&out)}
	overs := 0
	n := a.forward(strings.NewReader(strings.Repeat("x", 200<<10)), FrameStdout, 100<<10, func() { overs++ })
	if n != 100<<10+1 || overs != 1 {
		t.Fatalf("forward: n=%d overs=%d, want cap+1 and one call", n, overs)
	}
	fr := NewReader(&out)
	sent := 0
	for {
		typ, p, err := fr.Next()
		if err != nil {
			break
		}
		if typ != FrameStdout {
			t.Fatalf("frame %q", typ)
		}
		sent += len(p)
	}
	if sent != 100<<10 {
		t.Fatalf("sent %d bytes, want exactly the cap", sent)
	}
	out.Reset()
	if n := a.forward(strings.NewReader("hi"), FrameStderr, 5, nil); n != 2 {
		t.Fatalf("forward under the cap: %d", n)
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
