package image

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// fakeDocker answers ImageInspect from a set of tags and fails any import: the tests below must
// decide without building. The real build is exercised by `judged image build` (docs/images.md).
type fakeDocker struct {
	have     map[string]bool
	inspErr  error
	imported int
}

func (f *fakeDocker) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	if f.inspErr != nil {
		return client.ImageInspectResult{}, f.inspErr
	}
	if f.have[ref] {
		return client.ImageInspectResult{}, nil
	}
	return client.ImageInspectResult{}, cerrdefs.ErrNotFound.WithMessage("no such image: " + ref)
}

func (f *fakeDocker) ImageImport(context.Context, client.ImageImportSource, string, client.ImageImportOptions) (client.ImageImportResult, error) {
	f.imported++
	return nil, errors.New("fake: import not supported")
}

func TestBuildSkipsAnExistingTag(t *testing.T) {
	d := &fakeDocker{have: map[string]bool{Resolve("base"): true}}
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
	if err == nil || !strings.Contains(err.Error(), `unknown image recipe "nosuch" (known: base, full)`) {
		t.Errorf("unknown recipe: err = %v", err)
	}
	_, err = Build(context.Background(), &fakeDocker{inspErr: errors.New("engine down")}, "base", &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "engine down") {
		t.Errorf("inspect failure: err = %v", err)
	}
}

func TestExists(t *testing.T) {
	d := &fakeDocker{have: map[string]bool{"a:1": true}}
	if ok, err := Exists(context.Background(), d, "a:1"); !ok || err != nil {
		t.Errorf("Exists(a:1) = %v, %v", ok, err)
	}
	if ok, err := Exists(context.Background(), d, "b:1"); ok || err != nil {
		t.Errorf("Exists(b:1) = %v, %v; want false, nil", ok, err)
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
