package image

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/judge-dev/judge/pkg/lang"
)

// fakeDocker answers ImageInspect from a set of tags (with their labels) and fails any import or
// container: the tests below must decide without building. The real build is exercised by
// `judged image build` (docs/images.md) and the full-image tests.
type fakeDocker struct {
	CheckDocker // nil: any container call panics, which the tests must not reach
	have        map[string]map[string]string
	inspErr     error
	imported    int
}

func (f *fakeDocker) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	if f.inspErr != nil {
		return client.ImageInspectResult{}, f.inspErr
	}
	if labels, ok := f.have[ref]; ok {
		var r client.ImageInspectResult
		r.Config = &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{Labels: labels}}
		return r, nil
	}
	return client.ImageInspectResult{}, cerrdefs.ErrNotFound.WithMessage("no such image: " + ref)
}

func (f *fakeDocker) ImageRemove(context.Context, string, client.ImageRemoveOptions) (client.ImageRemoveResult, error) {
	return client.ImageRemoveResult{}, errors.New("fake: remove not supported")
}

func (f *fakeDocker) ContainerCommit(context.Context, string, client.ContainerCommitOptions) (client.ContainerCommitResult, error) {
	return client.ContainerCommitResult{}, errors.New("fake: commit not supported")
}

// labelled returns the labels of a built image of recipe name: every probe's version recorded.
func labelled(name string) map[string]string {
	r, _ := Lookup(name)
	labels := map[string]string{probeLabel: r.probesHash()}
	for _, p := range r.Probes {
		labels[VersionLabelPrefix+p.Language] = "v1"
	}
	return labels
}

func (f *fakeDocker) ImageImport(context.Context, client.ImageImportSource, string, client.ImageImportOptions) (client.ImageImportResult, error) {
	f.imported++
	return nil, errors.New("fake: import not supported")
}

func TestBuildSkipsAnExistingTag(t *testing.T) {
	d := &fakeDocker{have: map[string]map[string]string{Resolve("base"): labelled("base")}}
	var log bytes.Buffer
	tag, err := Build(context.Background(), d, "base", &log)
	if err != nil || tag != Resolve("base") {
		t.Fatalf("Build = %q, %v; want %q", tag, err, Resolve("base"))
	}
	if !strings.Contains(log.String(), "up to date") || d.imported != 0 {
		t.Errorf("log %q, imports %d; want `up to date` and no import", log.String(), d.imported)
	}
}

func TestBuildErrors(t *testing.T) {
	_, err := Build(context.Background(), &fakeDocker{}, "nosuch", &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `unknown image recipe "nosuch" (known: base, functional, jvm, mono, native, scripting)`) {
		t.Errorf("unknown recipe: err = %v", err)
	}
	_, err = Build(context.Background(), &fakeDocker{inspErr: errors.New("engine down")}, "base", &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "engine down") {
		t.Errorf("inspect failure: err = %v", err)
	}
}

func TestExists(t *testing.T) {
	d := &fakeDocker{have: map[string]map[string]string{"a:1": nil}}
	if ok, err := Exists(context.Background(), d, "a:1"); !ok || err != nil {
		t.Errorf("Exists(a:1) = %v, %v", ok, err)
	}
	if ok, err := Exists(context.Background(), d, "b:1"); ok || err != nil {
		t.Errorf("Exists(b:1) = %v, %v; want false, nil", ok, err)
	}
}

func TestVersionsAreReadFromLabels(t *testing.T) {
	d := &fakeDocker{have: map[string]map[string]string{Resolve("base"): {
		VersionLabelPrefix + "c": "GCC 14.2.0", VersionLabelPrefix + "cpp": "GCC 14.2.0", "judge.recipe": "base",
	}}}
	v, err := Versions(context.Background(), d, Resolve("base"))
	if err != nil || len(v) != 2 || v["c"] != "GCC 14.2.0" {
		t.Fatalf("Versions = %v, %v; want c and cpp", v, err)
	}
	tab, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	// The other images are missing: their languages keep the table's (empty) version.
	all, err := TableVersions(context.Background(), d, tab)
	if err != nil || len(all) != 2 || all["cpp"] != "GCC 14.2.0" {
		t.Fatalf("TableVersions = %v, %v", all, err)
	}
	withV := tab.WithVersions(all)
	if c, _ := withV.Get("c"); c.Version != "GCC 14.2.0" {
		t.Errorf("WithVersions: c is %q", c.Version)
	}
	if c, _ := tab.Get("c"); c.Version != "" {
		t.Errorf("WithVersions changed the original table: c is %q", c.Version)
	}
}

// An image built before a version command changed is labelled again, not rebuilt: Build reaches
// for a container (the fake's nil CheckDocker panics) instead of reporting it up to date.
func TestBuildQueriesVersionsAnImageLacks(t *testing.T) {
	stale := labelled("base")
	stale[probeLabel] = "oldcommands"
	d := &fakeDocker{have: map[string]map[string]string{Resolve("base"): stale}}
	defer func() {
		if recover() == nil {
			t.Error("Build did not try to query the versions")
		}
		if d.imported != 0 {
			t.Error("Build imported an image")
		}
	}()
	_, _ = Build(context.Background(), d, "base", &bytes.Buffer{})
}

func TestFirstLine(t *testing.T) {
	for in, want := range map[string]string{
		"\n  GCC 14.2.0  \nmore":         "GCC 14.2.0",
		`openjdk "21.0.9" 2025` + "\x01": "openjdk 21.0.9 2025",
		"":                               "",
	} {
		if got := firstLine([]byte(in)); got != want {
			t.Errorf("firstLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadJSONMessages(t *testing.T) {
	tests := []struct {
		in, wantErr string
	}{
		{`{"status":"sha256:abc"}` + "\n", ""},
		{"", ""},
		{`{"status":"x"}{"errorDetail":{"message":"no space left on device"},"error":"no space"}`, "no space left on device"},
		{`{"error":"bad tar"}`, "bad tar"},
		{`{"status":`, "read progress"},
	}
	for _, tc := range tests {
		err := readJSONMessages(strings.NewReader(tc.in))
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("readJSONMessages(%q) = %v, want %q", tc.in, err, tc.wantErr)
		}
	}
}
