package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
)

// Docker is the part of the moby client that building needs.
type Docker interface {
	CheckDocker
	ImageImport(ctx context.Context, source client.ImageImportSource, ref string, opts client.ImageImportOptions) (client.ImageImportResult, error)
	ImageRemove(ctx context.Context, image string, opts client.ImageRemoveOptions) (client.ImageRemoveResult, error)
	ContainerCommit(ctx context.Context, container string, opts client.ContainerCommitOptions) (client.ContainerCommitResult, error)
}

// Inspector is the part of the moby client that reading an image's labels needs.
type Inspector interface {
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
}

// Exists reports whether the engine has image ref.
func Exists(ctx context.Context, d Inspector, ref string) (bool, error) {
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
			// A language added to the table, or a changed version command, needs only its
			// version recorded, not a new image.
			if missing, err := missingVersions(ctx, d, r, tag); err != nil {
				return "", fmt.Errorf("build %s: %w", name, err)
			} else if len(missing) > 0 {
				fmt.Fprintf(logw, "%s: %s lacks the versions of %s; querying them\n", name, tag, strings.Join(missing, ", "))
				if err := recordVersions(ctx, d, r, tag, logw); err != nil {
					return "", fmt.Errorf("build %s: %w", name, err)
				}
			}
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
	fetched, err := r.fetch(ctx, dir, logw)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", name, err)
	}
	fmt.Fprintf(logw, "%s: bootstrapping Debian %s with %d packages (mmdebstrap)\n", name, r.Suite, len(r.Packages))
	cmd := exec.CommandContext(ctx, "mmdebstrap", r.mmdebstrapArgs(tarball, fetched)...)
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
	if err := recordVersions(ctx, d, r, tag, logw); err != nil {
		// The unlabelled image must not pass for a built one.
		_, _ = d.ImageRemove(context.WithoutCancel(ctx), tag, client.ImageRemoveOptions{})
		return "", fmt.Errorf("build %s: %w", name, err)
	}
	fmt.Fprintf(logw, "%s: built %s in %s\n", name, tag, time.Since(start).Round(time.Second))
	return tag, nil
}

// fetched maps a directory of the image to the host directory holding its files.
type fetched []struct{ host, image string }

// fetch downloads what r takes from outside Debian into dir: the Maven sets (mvn checks every
// file against the repository's checksums) and the Go toolchain (go checks the module against
// the checksum database).
func (r Recipe) fetch(ctx context.Context, dir string, logw io.Writer) (fetched, error) {
	var out fetched
	for i, m := range r.Maven {
		host := filepath.Join(dir, fmt.Sprintf("maven%d", i))
		fmt.Fprintf(logw, "%s: fetching %s from Maven Central (mvn)\n", r.Name, strings.Join(m.Artifacts, " "))
		if err := fetchMaven(ctx, host, m.Artifacts, logw); err != nil {
			return nil, err
		}
		out = append(out, struct{ host, image string }{host + "/lib", m.Dir})
	}
	if v := r.GoToolchain; v != "" {
		fmt.Fprintf(logw, "%s: fetching Go %s from the Go module proxy\n", r.Name, v)
		host, err := fetchGo(ctx, filepath.Join(dir, "gomod"), v, logw)
		if err != nil {
			return nil, err
		}
		out = append(out, struct{ host, image string }{host, "/usr/local/go"})
	}
	return out, nil
}

// fetchMaven resolves artifacts and their runtime dependencies into work/lib with a generated
// pom, as scripts/stack-kafka.sh does for Kafka.
func fetchMaven(ctx context.Context, work string, artifacts []string, logw io.Writer) error {
	var deps strings.Builder
	for _, a := range artifacts {
		g, rest, _ := strings.Cut(a, ":")
		art, v, ok := strings.Cut(rest, ":")
		if !ok || g == "" || art == "" || v == "" {
			return fmt.Errorf("maven artifact %q: want group:artifact:version", a)
		}
		fmt.Fprintf(&deps, "<dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>\n", g, art, v)
	}
	pom := `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>judge</groupId><artifactId>runtime-image</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>
` + deps.String() + `</dependencies></project>
`
	if err := os.MkdirAll(work, 0o755); err != nil {
		return fmt.Errorf("fetch maven: %w", err)
	}
	if err := os.WriteFile(filepath.Join(work, "pom.xml"), []byte(pom), 0o644); err != nil {
		return fmt.Errorf("fetch maven: %w", err)
	}
	// --strict-checksums fails on a file whose checksum does not match the repository's.
	cmd := exec.CommandContext(ctx, "mvn", "-B", "-q", "--strict-checksums", "dependency:copy-dependencies",
		"-DincludeScope=runtime", "-Dmdep.stripVersion=true", "-DoutputDirectory="+filepath.Join(work, "lib"))
	cmd.Dir, cmd.Stdout, cmd.Stderr = work, logw, logw
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return errors.New("fetch maven: mvn is not installed: apt-get install maven")
		}
		return fmt.Errorf("fetch %s with mvn: %w (its output is above)", strings.Join(artifacts, " "), err)
	}
	return nil
}

// fetchGo downloads Go release version as the module golang.org/toolchain, which holds a whole
// GOROOT, and returns the directory it was unpacked to.
func fetchGo(ctx context.Context, modcache, version string, logw io.Writer) (string, error) {
	mod := "golang.org/toolchain@v0.0.1-go" + version + ".linux-amd64"
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod)
	// -modcacherw: the temporary module cache must be removable afterwards.
	cmd.Env = append(os.Environ(), "GOMODCACHE="+modcache, "GOFLAGS=-modcacherw", "GO111MODULE=on")
	cmd.Dir = filepath.Dir(modcache)
	cmd.Stderr = logw
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("fetch %s with go mod download: %w (%s)", mod, err, bytes.TrimSpace(out))
	}
	var res struct{ Dir, Error string }
	if err := json.Unmarshal(out, &res); err != nil || res.Dir == "" {
		return "", fmt.Errorf("fetch %s: go mod download said %q (%v)", mod, res.Error, err)
	}
	return res.Dir, nil
}

// firstLine is the first non-empty line of b, trimmed and kept to printable ASCII without quotes
// and backslashes, so it can stand in a LABEL instruction.
func firstLine(b []byte) string {
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.Map(func(r rune) rune {
			if r < ' ' || r > '~' || r == '"' || r == '\\' {
				return -1
			}
			return r
		}, line)
		if line = strings.TrimSpace(line); line != "" {
			if len(line) > 120 {
				line = line[:120]
			}
			return line
		}
	}
	return ""
}

// mmdebstrapArgs returns the command line that writes r's root file system to tarball, with the
// fetched directories copied in.
func (r Recipe) mmdebstrapArgs(tarball string, fetched fetched) []string {
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
	for _, f := range fetched {
		args = append(args, "--customize-hook=mkdir -p \"$1"+f.image+"\"", "--customize-hook=sync-in "+f.host+" "+f.image)
	}
	for _, h := range r.Hooks {
		args = append(args, "--customize-hook="+h)
	}
	for _, h := range cleanupHooks {
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

// VersionLabelPrefix starts the image labels that hold the languages' versions:
// judge.version.<language id>=<first line of its version command's output>.
const VersionLabelPrefix = "judge.version."

// Versions returns the language versions recorded in image ref at build time, by language id.
func Versions(ctx context.Context, d Inspector, ref string) (map[string]string, error) {
	insp, err := d.ImageInspect(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("inspect image %s: %w", ref, err)
	}
	out := map[string]string{}
	if insp.Config == nil {
		return out, nil
	}
	for k, v := range insp.Config.Labels {
		if id, ok := strings.CutPrefix(k, VersionLabelPrefix); ok && v != "" {
			out[id] = v
		}
	}
	return out, nil
}

// missingVersions returns the languages of r's probes whose version tag does not record.
func missingVersions(ctx context.Context, d Inspector, r Recipe, tag string) ([]string, error) {
	have, err := Versions(ctx, d, tag)
	if err != nil {
		return nil, err
	}
	insp, err := d.ImageInspect(ctx, tag)
	if err != nil {
		return nil, fmt.Errorf("inspect image %s: %w", tag, err)
	}
	var labels map[string]string
	if insp.Config != nil {
		labels = insp.Config.Labels
	}
	var missing []string
	for _, p := range r.Probes {
		// The probe's hash is recorded too, so a changed version command is run again.
		if have[p.Language] == "" || labels[probeLabel] != r.probesHash() {
			missing = append(missing, p.Language)
		}
	}
	return missing, nil
}

// probeLabel records which version commands produced an image's version labels.
const probeLabel = "judge.version-commands"

func (r Recipe) probesHash() string {
	b, _ := json.Marshal(r.Probes) // strings only: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:12]
}

// recordVersions runs every version command of r in image tag, as the judge user in a container
// without network, and commits the image again, under the same tag, with the first line of each
// output as label judge.version.<language>. A command that fails fails the build.
func recordVersions(ctx context.Context, d Docker, r Recipe, tag string, logw io.Writer) error {
	if len(r.Probes) == 0 {
		return nil
	}
	old, err := d.ImageInspect(ctx, tag)
	if err != nil {
		return fmt.Errorf("inspect image %s: %w", tag, err)
	}
	probeLimits := lang.Language{ID: "version", CompileLimits: run.Limits{MemoryBytes: 2 << 30, Processes: 256}}
	id, err := startCheckContainer(ctx, d, tag, probeLimits)
	if err != nil {
		return err
	}
	defer func() {
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = d.ContainerRemove(rmCtx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	}()
	changes := []string{
		// The container ran as the judge user with an idle command; the image keeps the
		// imported settings.
		"USER root", `CMD ["/bin/sh"]`,
		fmt.Sprintf("LABEL %s=%s", probeLabel, r.probesHash()),
	}
	var failed []string
	for _, p := range r.Probes {
		out, err := step{argv: p.Argv}.exec(ctx, d, id, append([]string{"HOME=/tmp"}, p.Env...), 2*time.Minute)
		v := firstLine([]byte(out.combined()))
		if err != nil || out.exit != 0 || v == "" {
			failed = append(failed, fmt.Sprintf("%s: %q: %v exit %d: %s", p.Language, p.Argv, err, out.exit, strings.TrimSpace(out.combined())))
			continue
		}
		fmt.Fprintf(logw, "%s: %s is %s\n", r.Name, p.Language, v)
		changes = append(changes, fmt.Sprintf("LABEL %s%s=%q", VersionLabelPrefix, p.Language, v))
	}
	if len(failed) > 0 {
		return fmt.Errorf("version commands failed in %s:\n%s", tag, strings.Join(failed, "\n"))
	}
	if _, err := d.ContainerCommit(ctx, id, client.ContainerCommitOptions{Reference: tag, Changes: changes,
		Comment: "judge runtime image " + r.Name + ": language versions"}); err != nil {
		return fmt.Errorf("record versions in %s: %w", tag, err)
	}
	// The image the tag named before is now untagged: remove it unless something uses it.
	if old.ID != "" {
		_, _ = d.ImageRemove(ctx, old.ID, client.ImageRemoveOptions{})
	}
	return nil
}

// TableVersions returns the versions recorded in the images of tab's languages, by language id.
// An image the engine does not have contributes nothing.
func TableVersions(ctx context.Context, d Inspector, tab *lang.Table) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range tab.Images() {
		v, err := Versions(ctx, d, Resolve(name))
		if err != nil {
			if cerrdefs.IsNotFound(err) {
				continue
			}
			return nil, err
		}
		for _, l := range tab.All() {
			if l.Image == name && v[l.ID] != "" {
				out[l.ID] = v[l.ID]
			}
		}
	}
	return out, nil
}
