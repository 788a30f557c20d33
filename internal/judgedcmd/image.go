package judgedcmd

import (
	"fmt"

	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
)

func newImageCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Build and check the runtime images the languages run in",
	}
	cmd.AddCommand(newImageBuildCmd(a), newImageCheckCmd(a))
	return cmd
}

func newImageBuildCmd(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "build [RECIPE...]",
		Short: "Build runtime images from Debian packages (default: every recipe the language table uses)",
		Long: "Build runtime images locally with mmdebstrap and `docker import` (needs root and the Debian mirror).\n" +
			"An image whose tag (judge-runtime-NAME:HASH) exists is not rebuilt unless --force is given.\n" +
			"Recipes: " + fmt.Sprint(image.Recipes()),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig(cmd)
			if err != nil {
				return err
			}
			names := args
			if len(names) == 0 {
				tab, err := lang.Load(cfg.LanguagesFile)
				if err != nil {
					return err
				}
				for _, n := range tab.Images() {
					if image.IsRecipe(n) {
						names = append(names, n)
					}
				}
			}
			for _, n := range names {
				if _, ok := image.Lookup(n); !ok {
					return fmt.Errorf("unknown image recipe %q (known: %v)", n, image.Recipes())
				}
			}
			d, err := imageDocker(cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			for _, n := range names {
				build := image.Build
				if force {
					build = image.Rebuild
				}
				tag, err := build(cmd.Context(), d, n, a.stderr)
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, tag)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "rebuild even when the image exists")
	return cmd
}

// imageDocker connects to the configured Docker engine.
func imageDocker(cfg config.Config) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv}
	if cfg.DockerHost != "" {
		opts = append(opts, client.WithHost(cfg.DockerHost))
	}
	d, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker client for %q: %w", cfg.DockerHost, err)
	}
	return d, nil
}

func newImageCheckCmd(a *app) *cobra.Command {
	return &cobra.Command{Use: "check", Short: "not yet"}
}
