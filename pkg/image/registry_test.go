package image_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
)

func TestRemoteRef(t *testing.T) {
	base, _ := image.Lookup("base")
	for _, tc := range []struct {
		registry, name, want, err string
	}{
		{"127.0.0.1:5000", "base", "127.0.0.1:5000/" + base.Tag(), ""},
		{"registry.internal:443", "base", "registry.internal:443/" + base.Tag(), ""},
		{"registry.internal", "base", "", "want host:port"},
		{"http://r:5000", "base", "", "want host:port"},
		{"r:5000/x", "base", "", "want host:port"},
		{"r:99999", "base", "", "not a TCP port"},
		{"r:5000", "nope", "", "unknown image recipe"},
	} {
		got, err := image.RemoteRef(tc.registry, tc.name)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("image.RemoteRef(%q, %q): error %v, want one containing %q", tc.registry, tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("image.RemoteRef(%q, %q) = %q, %v; want %q", tc.registry, tc.name, got, err, tc.want)
		}
	}
}

// startRegistry runs Debian's docker-registry (scripts/registry.sh) on a free loopback port with
// storage in a temporary directory, and returns its host:port.
func startRegistry(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "config.yml")
	err = os.WriteFile(conf, []byte(fmt.Sprintf(`version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: %s}
  delete: {enabled: true}
http:
  addr: %s
`, filepath.Join(dir, "data"), addr)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), "scripts", "registry.sh")
	var logs bytes.Buffer
	cmd := exec.Command(script, conf)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the registry: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("registry log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(2 * time.Minute) // the first run may install the package
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		select {
		case <-done:
			t.Fatalf("the registry exited: %s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the registry did not answer on %s: %s", addr, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// removeRefs untags refs (this test's registry references) at the end of the test.
func removeRefs(t *testing.T, d *client.Client, refs ...string) {
	t.Cleanup(func() {
		for _, r := range refs {
			_, err := d.ImageRemove(context.Background(), r, client.ImageRemoveOptions{})
			if err != nil && !cerrdefs.IsNotFound(err) {
				t.Errorf("remove %s: %v", r, err)
			}
		}
	})
}

// TestPushPullThroughRegistry pushes the base runtime image to a real registry, pulls it back by
// its content tag, and checks that a registry holding another image under that tag is refused.
func TestPushPullThroughRegistry(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker and docker-registry")
	}
	local := testenv.Image(t, "base")
	d := testenv.Docker(t)
	ctx := context.Background()
	reg := startRegistry(t)
	remote, _ := image.RemoteRef(reg, "base")
	removeRefs(t, d, remote)

	var log bytes.Buffer
	got, err := image.Push(ctx, d, reg, "base", &log)
	if err != nil {
		t.Fatalf("push: %v\n%s", err, log.String())
	}
	if got != remote {
		t.Errorf("push returned %s, want %s", got, remote)
	}
	// The registry has the manifest under the content tag.
	base, _ := image.Lookup("base")
	req, _ := http.NewRequest("HEAD", "http://"+reg+"/v2/"+image.Repository("base")+"/manifests/"+base.Hash(), nil)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("registry manifest of %s: %v %v", remote, err, resp)
	}
	resp.Body.Close()

	// Pull through the registry: the remote tag is dropped first so the engine has to ask it.
	if _, err := d.ImageRemove(ctx, remote, client.ImageRemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err = image.Pull(ctx, d, reg, "base", &log)
	if err != nil {
		t.Fatalf("pull: %v\n%s", err, log.String())
	}
	if got != local {
		t.Errorf("pull returned %s, want the local tag %s", got, local)
	}
	if !strings.Contains(log.String(), "pulled "+remote) {
		t.Errorf("pull log: %s", log.String())
	}

	// A second registry serves another image under the base tag: the pull is refused and the
	// local tag still names the real image.
	bad := startRegistry(t)
	badRemote, _ := image.RemoteRef(bad, "base")
	removeRefs(t, d, badRemote)
	importEmpty(t, d, badRemote)
	pr, err := d.ImagePush(ctx, badRemote, client.ImagePushOptions{RegistryAuth: "e30="})
	if err != nil {
		t.Fatal(err)
	}
	if err := pr.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	before, err := d.ImageInspect(ctx, local)
	if err != nil {
		t.Fatal(err)
	}
	_, err = image.Pull(ctx, d, bad, "base", io.Discard)
	var mm *image.MismatchError
	if !errors.As(err, &mm) || mm.Want != base.Hash() || mm.Got != "" {
		t.Fatalf("pull of a foreign image: %v, want a MismatchError", err)
	}
	after, err := d.ImageInspect(ctx, local)
	if err != nil || after.ID != before.ID {
		t.Errorf("the local tag %s moved after a refused pull: %s -> %s (%v)", local, before.ID, after.ID, err)
	}
}

// importEmpty creates an image with one empty file and no labels under ref.
func importEmpty(t *testing.T, d *client.Client, ref string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "empty", Mode: 0o644, Size: 0})
	tw.Close()
	resp, err := d.ImageImport(context.Background(), client.ImageImportSource{Source: &buf, SourceName: "-"}, ref, client.ImageImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Close()
	if _, err := io.Copy(io.Discard, resp); err != nil {
		t.Fatal(err)
	}
	if ok, err := image.Exists(context.Background(), d, ref); !ok || err != nil {
		t.Fatalf("import %s: image missing (%v)", ref, err)
	}
}

// TestPinned checks the per-language verdict on the real engine: the base image is the one the
// recipe names, a missing image is refused (a foreign image under a recipe tag is refused by Pull,
// see TestPushPullThroughRegistry).
func TestPinned(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	testenv.Image(t, "base")
	d := testenv.Docker(t)
	dir := t.TempDir()
	// A table with one language per case: the real base image and a recipe-less image that does
	// not exist.
	tab := filepath.Join(dir, "languages.yaml")
	err := os.WriteFile(tab, []byte(`languages:
  - {id: py, name: Python, extensions: [.py], image: base, source_file: main.py, run: [python3, main.py]}
  - {id: gone, name: Gone, extensions: [.gone], image: "judge-test-missing:none", source_file: main.gone, run: ["true"]}
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	langs, err := lang.Load(tab)
	if err != nil {
		t.Fatal(err)
	}
	res := image.Pinned(context.Background(), d, langs)
	if res["py"] != nil {
		t.Errorf("py (base): %v, want ready", res["py"])
	}
	if res["gone"] == nil || !strings.Contains(res["gone"].Error(), "not on this engine") {
		t.Errorf("gone: %v, want not on this engine", res["gone"])
	}
}
