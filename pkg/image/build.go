package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Docker is the part of the moby client that building needs.
type Docker interface {
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImageImport(ctx context.Context, source client.ImageImportSource, ref string, opts client.ImageImportOptions) (client.ImageImportResult, error)
}

// Exists reports whether the engine has image ref.
func Exists(ctx context.Context, d Docker, ref string) (bool, error) {
	_, err := d.ImageInspect(ctx, ref)
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	default:
		return false, fmt.Errorf("inspect image %s: %w", ref, err)
	}
}

// Build makes sure the image of recipe name exists and returns its tag. An image already tagged
// with the recipe's current hash is not rebuilt. Progress goes to logw.
func Build(ctx context.Context, d Docker, name string, logw io.Writer) (string, error) {
	return build(ctx, d, name, logw, false)
}

// Rebuild is Build that builds even when the tag exists (`judged image build --force`).
func Rebuild(ctx context.Context, d Docker, name string, logw io.Writer) (string, error) {
	return build(ctx, d, name, logw, true)
}

func build(ctx context.Context, d Docker, name string, logw io.Writer, force bool) (string, error) {
	r, ok := Lookup(name)
	if !ok {
		return "", fmt.Errorf("unknown image recipe %q (known: %s)", name, strings.Join(Recipes(), ", "))
	}
	tag := r.Tag()
	if !force {
		have, err := Exists(ctx, d, tag)
		if err != nil {
			return "", err
		}
		if have {
			fmt.Fprintf(logw, "%s: %s up to date\n", name, tag)
			return tag, nil
		}
	}
	dir, err := os.MkdirTemp("", "judge-image-")
	if err != nil {
		return "", fmt.Errorf("build %s: %w", name, err)
	}
	defer os.RemoveAll(dir)
	tarball := filepath.Join(dir, "rootfs.tar")

	start := time.Now()
	fmt.Fprintf(logw, "%s: bootstrapping Debian %s with %d packages (mmdebstrap)\n", name, r.Suite, len(r.Packages))
	cmd := exec.CommandContext(ctx, "mmdebstrap", r.mmdebstrapArgs(tarball)...)
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("build %s: mmdebstrap is not installed: apt-get install mmdebstrap", name)
		}
		return "", fmt.Errorf("build %s: mmdebstrap: %w (its output is above)", name, err)
	}
	fmt.Fprintf(logw, "%s: bootstrapped in %s; importing as %s\n", name, time.Since(start).Round(time.Second), tag)
	if err := importTarball(ctx, d, tarball, r, tag); err != nil {
		return "", fmt.Errorf("build %s: %w", name, err)
	}
	fmt.Fprintf(logw, "%s: built %s in %s\n", name, tag, time.Since(start).Round(time.Second))
	return tag, nil
}

// mmdebstrapArgs returns the command line that writes r's root file system to tarball.
func (r Recipe) mmdebstrapArgs(tarball string) []string {
	args := []string{
		"--variant=apt",
		"--mode=auto",
		"--format=tar",
		"--aptopt=APT::Install-Recommends \"false\"",
		"--aptopt=APT::Install-Suggests \"false\"",
		// No docs, man pages or translations: they are most of an image's bulk and no judged
		// program reads them. Copyright files stay.
		"--dpkgopt=path-exclude=/usr/share/doc/*",
		"--dpkgopt=path-include=/usr/share/doc/*/copyright",
		"--dpkgopt=path-exclude=/usr/share/man/*",
		"--dpkgopt=path-exclude=/usr/share/info/*",
		"--dpkgopt=path-exclude=/usr/share/locale/*",
		"--dpkgopt=path-exclude=/usr/share/lintian/*",
		"--include=" + strings.Join(r.Packages, ","),
	}
	for _, h := range r.HookDirs {
		args = append(args, "--hook-dir="+h)
	}
	for _, h := range r.SetupHooks {
		args = append(args, "--setup-hook="+h)
	}
	for _, h := range r.Hooks {
		args = append(args, "--customize-hook="+h)
	}
	args = append(args, r.Suite, tarball)
	return append(args, r.Sources...)
}

func importTarball(ctx context.Context, d Docker, tarball string, r Recipe, tag string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return fmt.Errorf("open root file system: %w", err)
	}
	defer f.Close()
	changes := append([]string{
		"LABEL judge.recipe=" + r.Name,
		"LABEL judge.recipe.hash=" + r.Hash(),
	}, r.Changes...)
	resp, err := d.ImageImport(ctx, client.ImageImportSource{Source: f, SourceName: "-"}, tag,
		client.ImageImportOptions{Changes: changes, Message: "judge runtime image " + r.Name})
	if err != nil {
		return fmt.Errorf("docker import %s: %w", tag, err)
	}
	defer resp.Close()
	if err := readJSONMessages(resp); err != nil {
		return fmt.Errorf("docker import %s: %w", tag, err)
	}
	if ok, err := Exists(ctx, d, tag); err != nil || !ok {
		return fmt.Errorf("docker import %s: image missing after import (%v)", tag, err)
	}
	return nil
}

// readJSONMessages drains the engine's progress stream and returns the first error it reports.
func readJSONMessages(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var m struct {
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read progress: %w", err)
		}
		if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
			return errors.New(m.ErrorDetail.Message)
		}
		if m.Error != "" {
			return errors.New(m.Error)
		}
	}
}
