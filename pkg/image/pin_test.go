package image_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
)

// fakeEngine answers ImageInspect from a map of image → recipe hash label, or fails every call
// while down; the rest of image.Docker is not used by Pins (calling it panics).
type fakeEngine struct {
	image.Docker
	mu     sync.Mutex
	images map[string]string
	down   bool
}

func (f *fakeEngine) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return client.ImageInspectResult{}, errors.New("Cannot connect to the Docker daemon")
	}
	hash, ok := f.images[ref]
	if !ok {
		return client.ImageInspectResult{}, cerrdefs.ErrNotFound.WithMessage("No such image: " + ref)
	}
	var res client.ImageInspectResult
	res.Config = &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{Labels: map[string]string{"judge.recipe.hash": hash}}}
	return res, nil
}

func (f *fakeEngine) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

// TestPinsFollowTheEngine: a language is refused while its image is missing or another build,
// taken again when the right image arrives, unknown languages are refused, and an engine that
// does not answer changes nothing (that is the health probe's business).
func TestPinsFollowTheEngine(t *testing.T) {
	base, ok := image.Lookup("base")
	if !ok {
		t.Fatal("no base recipe")
	}
	path := filepath.Join(t.TempDir(), "languages.yaml")
	err := os.WriteFile(path, []byte(`languages:
  - {id: py, name: Python, extensions: [.py], image: base, source_file: main.py, run: [python3, main.py]}
  - {id: other, name: Other, extensions: [.o], image: "example.org/other:1", source_file: main.o, run: ["true"]}
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := lang.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	eng := &fakeEngine{images: map[string]string{base.Tag(): "another-build"}}
	pins := image.NewPins(eng, tab)
	if err := pins.Refused("py"); err == nil {
		t.Error("py is judged before the images were checked")
	}

	got := pins.Refresh(context.Background())
	var mismatch *image.MismatchError
	if !errors.As(got["py"], &mismatch) {
		t.Errorf("py with another build under its tag: %v, want a MismatchError", got["py"])
	}
	if err := got["other"]; err == nil || !strings.Contains(err.Error(), "not on this engine") {
		t.Errorf("other, missing: %v", err)
	}
	if err := pins.Refused("cobol"); err == nil || !strings.Contains(err.Error(), "not in this worker's table") {
		t.Errorf("a language outside the table: %v", err)
	}

	eng.set(func() { eng.images[base.Tag()] = base.Hash(); eng.images["example.org/other:1"] = "" })
	if got := pins.Refresh(context.Background()); len(got) != 0 {
		t.Errorf("with both images right: refused %v", got)
	}
	if err := pins.Recheck(context.Background(), "py"); err != nil {
		t.Errorf("py recheck: %v", err)
	}

	// The engine stops answering: every language keeps its verdict (all judged here).
	eng.set(func() { eng.down = true })
	if got := pins.Refresh(context.Background()); len(got) != 0 {
		t.Errorf("engine down: refused %v, want the last verdicts kept", got)
	}
	// The image goes while the engine is back: refused at the next look, with the reason.
	eng.set(func() { eng.down = false; delete(eng.images, "example.org/other:1") })
	if err := pins.Recheck(context.Background(), "other"); err == nil {
		t.Error("other is judged after its image went")
	}
	sum := image.Summary(pins.All())
	if len(sum) != 1 {
		t.Fatalf("summary %v, want one reason", sum)
	}
	for reason, ids := range sum {
		if len(ids) != 1 || ids[0] != "other" || !strings.Contains(reason, "example.org/other:1") {
			t.Errorf("summary: %q → %v", reason, ids)
		}
	}
}
