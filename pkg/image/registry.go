package image

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/moby/moby/client"
)

// Runtime images are built once and distributed through a registry, so worker nodes do not each
// spend the time and the 3-4 GB of downloads a build takes. The tag stays the recipe's content
// hash everywhere: a pulled image is re-tagged to its local name and checked against the label
// the build put on it, so a node can never judge with an image other than the one its recipe
// names.

// Registry is the part of the moby client that distributing images needs.
type Registry interface {
	Docker
	ImageTag(ctx context.Context, options client.ImageTagOptions) (client.ImageTagResult, error)
	ImagePush(ctx context.Context, image string, options client.ImagePushOptions) (client.ImagePushResponse, error)
	ImagePull(ctx context.Context, ref string, options client.ImagePullOptions) (client.ImagePullResponse, error)
}

// noAuth is an empty credential ("{}" in base64): engines before API 1.42 refuse a push that
// carries no X-Registry-Auth header at all. Registries that need a login are not supported yet.
const noAuth = "e30="

// RemoteRef is the reference of recipe name's current image in registry (host:port).
func RemoteRef(registry, name string) (string, error) {
	if err := checkRegistry(registry); err != nil {
		return "", err
	}
	r, ok := Lookup(name)
	if !ok {
		return "", fmt.Errorf("unknown image recipe %q (known: %s)", name, strings.Join(Recipes(), ", "))
	}
	return registry + "/" + r.Tag(), nil
}

// checkRegistry accepts host:port (a registry address, no scheme or path).
func checkRegistry(registry string) error {
	host, port, err := net.SplitHostPort(registry)
	if err != nil || host == "" || strings.ContainsAny(registry, "/@ ") {
		return fmt.Errorf("registry %q: want host:port, e.g. registry.internal:5000", registry)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("registry %q: port %q is not a TCP port", registry, port)
	}
	return nil
}

// Push tags the local image of recipe name as registry/<tag> and pushes it; it returns the
// remote reference. The image must have been built (Build) first.
func Push(ctx context.Context, d Registry, registry, name string, logw io.Writer) (string, error) {
	remote, err := RemoteRef(registry, name)
	if err != nil {
		return "", err
	}
	r, _ := Lookup(name)
	local := r.Tag()
	if err := verifyLabel(ctx, d, local, r); err != nil {
		return "", fmt.Errorf("push %s: %w", name, err)
	}
	if _, err := d.ImageTag(ctx, client.ImageTagOptions{Source: local, Target: remote}); err != nil {
		return "", fmt.Errorf("push %s: tag %s as %s: %w", name, local, remote, err)
	}
	fmt.Fprintf(logw, "%s: pushing %s\n", name, remote)
	resp, err := d.ImagePush(ctx, remote, client.ImagePushOptions{RegistryAuth: noAuth})
	if err != nil {
		return "", fmt.Errorf("push %s: %w", remote, err)
	}
	defer resp.Close()
	if err := resp.Wait(ctx); err != nil {
		return "", fmt.Errorf("push %s: %w", remote, err)
	}
	fmt.Fprintf(logw, "%s: pushed %s\n", name, remote)
	return remote, nil
}

// Pull fetches recipe name's current image from registry, tags it with its local name (the tag
// the language table resolves to) and checks that its content label matches; it returns the
// local tag.
func Pull(ctx context.Context, d Registry, registry, name string, logw io.Writer) (string, error) {
	remote, err := RemoteRef(registry, name)
	if err != nil {
		return "", err
	}
	r, _ := Lookup(name)
	local := r.Tag()
	fmt.Fprintf(logw, "%s: pulling %s\n", name, remote)
	resp, err := d.ImagePull(ctx, remote, client.ImagePullOptions{RegistryAuth: noAuth})
	if err != nil {
		return "", fmt.Errorf("pull %s: %w", remote, err)
	}
	defer resp.Close()
	if err := resp.Wait(ctx); err != nil {
		return "", fmt.Errorf("pull %s: %w (was it pushed with `judged image push --registry %s %s`?)", remote, err, registry, name)
	}
	if err := verifyLabel(ctx, d, remote, r); err != nil {
		return "", fmt.Errorf("pull %s: %w", remote, err)
	}
	if _, err := d.ImageTag(ctx, client.ImageTagOptions{Source: remote, Target: local}); err != nil {
		return "", fmt.Errorf("pull %s: tag as %s: %w", remote, local, err)
	}
	fmt.Fprintf(logw, "%s: pulled %s as %s\n", name, remote, local)
	return local, nil
}

// verifyLabel checks that image ref carries the recipe hash of r: a tag alone can be moved, the
// label is what the build wrote into the image.
func verifyLabel(ctx context.Context, d Docker, ref string, r Recipe) error {
	res, err := d.ImageInspect(ctx, ref)
	if err != nil {
		return fmt.Errorf("inspect %s: %w (build it with `judged image build %s`)", ref, err, r.Name)
	}
	var got string
	if res.Config != nil {
		got = res.Config.Labels["judge.recipe.hash"]
	}
	if got != r.Hash() {
		return &MismatchError{Ref: ref, Recipe: r.Name, Want: r.Hash(), Got: got}
	}
	return nil
}

// MismatchError says an image is not the one the recipe of this judged names.
type MismatchError struct {
	Ref, Recipe, Want, Got string
}

func (e *MismatchError) Error() string {
	got := e.Got
	if got == "" {
		got = "none"
	}
	return fmt.Sprintf("image %s holds recipe hash %s, this judge's %s recipe is %s: pull or build the matching image (judged image pull/build %s)",
		e.Ref, got, e.Recipe, e.Want, e.Recipe)
}
