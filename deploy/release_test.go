package deploy

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReleaseSnapshot runs `make release-snapshot` (goreleaser, pinned) and checks dist/: the
// archives, the Debian and RPM packages with the systemd units, the judged image tarball, and a
// checksums.txt that matches every one of them.
func TestReleaseSnapshot(t *testing.T) {
	if os.Getenv("JUDGE_LONG_TESTS") != "1" {
		t.Skip("release snapshot: set JUDGE_LONG_TESTS=1 (builds goreleaser and cross-compiles; see README)")
	}
	out, err := exec.Command("make", "-C", "..", "release-snapshot").CombinedOutput()
	if err != nil {
		t.Fatalf("make release-snapshot: %v\n%s", err, out)
	}
	dist := filepath.Join("..", "dist")
	need := map[string]string{
		"a Debian package":     "*_amd64.deb",
		"an RPM package":       "*_linux_amd64.rpm",
		"a judged archive":     "judged_*_linux_amd64.tar.gz",
		"a judgectl archive":   "judgectl_*_linux_arm64.tar.gz",
		"judgectl for macOS":   "judgectl_*_darwin_arm64.tar.gz",
		"judgectl for Windows": "judgectl_*_windows_amd64.zip",
		"the judged image":     "judge-judged_*_image.tar.gz",
	}
	artifacts := map[string]string{}
	for what, glob := range need {
		m, _ := filepath.Glob(filepath.Join(dist, glob))
		if len(m) != 1 {
			t.Errorf("dist/ has %d files like %s (%s), want 1", len(m), glob, what)
			continue
		}
		artifacts[what] = m[0]
	}
	sums := readChecksums(t, filepath.Join(dist, "checksums.txt"))
	for what, path := range artifacts {
		want, ok := sums[filepath.Base(path)]
		if !ok {
			t.Errorf("checksums.txt does not list %s (%s)", filepath.Base(path), what)
			continue
		}
		if got := sha256File(t, path); got != want {
			t.Errorf("%s: sha256 %s, checksums.txt says %s", filepath.Base(path), got, want)
		}
	}
	if deb, ok := artifacts["a Debian package"]; ok {
		list, err := exec.Command("dpkg-deb", "--contents", deb).Output()
		if err != nil {
			t.Fatalf("dpkg-deb --contents %s: %v", deb, err)
		}
		for _, f := range []string{"./usr/bin/judged", "./usr/bin/judgectl", "./usr/lib/systemd/system/judged@.service",
			"./usr/lib/systemd/system/judged@worker.service.d/docker.conf", "./etc/judge/judged.env"} {
			if !strings.Contains(string(list), f+"\n") && !strings.Contains(string(list), f+" ") {
				t.Errorf("the Debian package lacks %s:\n%s", f, list)
			}
		}
	}
}

func readChecksums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 {
			out[fields[1]] = fields[0]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
