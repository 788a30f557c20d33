package judgedcmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
)

func newImageCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Build, check and distribute the runtime images the languages run in",
	}
	cmd.AddCommand(newImageBuildCmd(a), newImageCheckCmd(a), newImageListCmd(a), newImagePushCmd(a), newImagePullCmd(a))
	return cmd
}

// lockedWriter serialises the writes of concurrent image builds to one log.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newImageBuildCmd(a *app) *cobra.Command {
	var (
		force bool
		jobs  int
		only  []string
	)
	cmd := &cobra.Command{
		Use:   "build [RECIPE...]",
		Short: "Build runtime images from Debian packages (default: every recipe the language table uses)",
		Long: "Build runtime images locally with mmdebstrap and `docker import` (needs root, the Debian mirror,\n" +
			"mvn and Maven Central for the jvm image, go and the Go module proxy for the native image).\n" +
			"An image whose tag (judge-runtime-NAME:HASH) exists is not rebuilt unless --force is given; the\n" +
			"versions of its languages are queried again when the table's version commands changed.\n" +
			"--lang builds only the images the named languages need.\n" +
			"Recipes: " + fmt.Sprint(image.Recipes()),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig(cmd)
			if err != nil {
				return err
			}
			if jobs < 1 {
				return fmt.Errorf("--jobs %d: want at least 1", jobs)
			}
			names, err := recipeNames(a, cfg, args, only)
			if err != nil {
				return err
			}
			d, err := dockerClient(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			build := image.Build
			if force {
				build = image.Rebuild
			}
			// Builds are bootstraps from the Debian mirror and dpkg runs: two at a time keep
			// both cores busy while one waits on the network. Their logs interleave line by line.
			tags := make([]string, len(names))
			logw := &lockedWriter{w: a.stderr}
			g, ctx := errgroup.WithContext(cmd.Context())
			g.SetLimit(jobs)
			for i, n := range names {
				g.Go(func() error {
					tag, err := build(ctx, d, n, logw)
					tags[i] = tag
					return err
				})
			}
			if err := g.Wait(); err != nil {
				return err
			}
			for _, tag := range tags {
				fmt.Fprintln(a.stdout, tag)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "rebuild even when the image exists")
	cmd.Flags().IntVar(&jobs, "jobs", 2, "images built at once")
	cmd.Flags().StringSliceVar(&only, "lang", nil, "build only the images these language ids need (repeatable or comma separated)")
	return cmd
}

func newImageCheckCmd(a *app) *cobra.Command {
	var only []string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Compile and run a small program for every language in its image",
		Long: "For every language (or those named by --lang), compile and run an embedded A+B program in the\n" +
			"language's image, in a plain container without network, with a read-only root and a tmpfs /box,\n" +
			"as the unprivileged user. Prints one row per language; exits non-zero when any fails.\n" +
			"Times are wall times including the engine's exec overhead.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig(cmd)
			if err != nil {
				return err
			}
			tab, err := loadLanguages(cfg)
			if err != nil {
				return err
			}
			langs, err := selectLanguages(tab, only)
			if err != nil {
				return err
			}
			d, err := dockerClient(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			return runImageCheck(cmd.Context(), a.stdout, d, langs)
		},
	}
	cmd.Flags().StringSliceVar(&only, "lang", nil, "check only these language ids (repeatable or comma separated)")
	return cmd
}

func selectLanguages(tab *lang.Table, ids []string) ([]lang.Language, error) {
	if len(ids) == 0 {
		return tab.All(), nil
	}
	var out []lang.Language
	for _, id := range ids {
		l, ok := tab.Get(id)
		if !ok {
			var known []string
			for _, k := range tab.All() {
				known = append(known, k.ID)
			}
			return nil, fmt.Errorf("unknown language %q (known: %s)", id, strings.Join(known, ", "))
		}
		out = append(out, l)
	}
	return out, nil
}

func runImageCheck(ctx context.Context, w io.Writer, d image.CheckDocker, langs []lang.Language) error {
	const row = "%-12s %-40s %10s %8s  %s\n"
	fmt.Fprintf(w, row, "LANGUAGE", "IMAGE", "COMPILE_MS", "RUN_MS", "OK")
	var failed []image.CheckResult
	for _, l := range langs {
		r := image.Check(ctx, d, l)
		compile, status := "-", "ok"
		if l.Compiled() && r.Compile > 0 {
			compile = fmt.Sprint(r.Compile.Milliseconds())
		}
		run := "-"
		if r.Run > 0 {
			run = fmt.Sprint(r.Run.Milliseconds())
		}
		switch {
		case r.Skipped != "":
			status = "skipped: " + r.Skipped
		case !r.OK:
			status = "FAIL: " + r.Err.Error()
			failed = append(failed, r)
		}
		fmt.Fprintf(w, row, r.Language, r.Image, compile, run, status)
	}
	if len(failed) == 0 {
		return nil
	}
	for _, r := range failed {
		fmt.Fprintf(w, "\n--- %s (%s): %v\n", r.Language, r.Image, r.Err)
		if r.Output != "" {
			fmt.Fprintln(w, strings.TrimRight(r.Output, "\n"))
		}
	}
	return &exitError{code: 1, err: fmt.Errorf("image check: %d of %d languages failed", len(failed), len(langs))}
}

func newImageListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the images the language table uses, their tags and whether the engine has them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig(cmd)
			if err != nil {
				return err
			}
			tab, err := loadLanguages(cfg)
			if err != nil {
				return err
			}
			d, err := dockerClient(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			const row = "%-10s %-42s %-9s %9s  %s\n"
			fmt.Fprintf(a.stdout, row, "IMAGE", "REFERENCE", "PRESENT", "SIZE_MB", "LANGUAGES")
			for _, name := range tab.Images() {
				var ids []string
				for _, l := range tab.All() {
					if l.Image == name {
						ids = append(ids, l.ID)
					}
				}
				ref := image.Resolve(name)
				present, size := "no", "-"
				insp, err := d.ImageInspect(cmd.Context(), ref)
				switch {
				case err == nil:
					present, size = "yes", fmt.Sprint(insp.Size/1_000_000)
				case !cerrdefs.IsNotFound(err):
					return fmt.Errorf("inspect image %s: %w", ref, err)
				}
				fmt.Fprintf(a.stdout, row, name, ref, present, size, strings.Join(ids, ","))
			}
			return nil
		},
	}
}
