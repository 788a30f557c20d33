package judgedcmd

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/image"
)

// recipeNames returns the recipes named in args, or every recipe the language table uses; other
// images of the table are reported on stderr, because the judge neither builds nor distributes them.
// recipeNames resolves which image recipes a command acts on: the recipes named in args, or those
// the languages of only (--lang) need, or every recipe the language table uses.
func recipeNames(a *app, cfg config.Config, args, only []string) ([]string, error) {
	if len(args) > 0 && len(only) > 0 {
		return nil, errors.New("name recipes or --lang, not both")
	}
	names := args
	if len(names) == 0 {
		tab, err := loadLanguages(cfg)
		if err != nil {
			return nil, err
		}
		var others []string
		if len(only) > 0 {
			if names, others, err = image.ForLanguages(tab, only); err != nil {
				return nil, err
			}
		} else {
			for _, n := range tab.Images() {
				if image.IsRecipe(n) {
					names = append(names, n)
				} else {
					others = append(others, n)
				}
			}
		}
		for _, n := range others {
			fmt.Fprintf(a.stderr, "%s: not a recipe, not handled here: pull or load it yourself\n", n)
		}
	}
	for _, n := range names {
		if _, ok := image.Lookup(n); !ok {
			return nil, &exitError{code: 2, err: fmt.Errorf("unknown image recipe %q (known: %v)", n, image.Recipes())}
		}
	}
	return names, nil
}

type registryOp func(ctx context.Context, d image.Registry, registry, name string, logw io.Writer) (string, error)

func newImageRegistryCmd(a *app, use, short, long string, op registryOp) *cobra.Command {
	var registry string
	cmd := &cobra.Command{
		Use:   use + " --registry HOST:PORT [RECIPE...]",
		Short: short,
		Long:  long,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig(cmd)
			if err != nil {
				return err
			}
			if registry == "" {
				return &exitError{code: 2, err: fmt.Errorf("image %s: --registry is required, e.g. --registry registry.internal:5000", use)}
			}
			if _, err := image.RemoteRef(registry, image.Recipes()[0]); err != nil {
				return &exitError{code: 2, err: fmt.Errorf("image %s: --registry: %w", use, err)}
			}
			names, err := recipeNames(a, cfg, args, nil)
			if err != nil {
				return err
			}
			d, err := dockerClient(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			for _, n := range names {
				ref, err := op(cmd.Context(), d, registry, n, a.stderr)
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, ref)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&registry, "registry", "", "registry address host:port (the engine must trust it: TLS, or listed in insecure-registries)")
	return cmd
}

func newImagePushCmd(a *app) *cobra.Command {
	return newImageRegistryCmd(a, "push", "Push the built runtime images to a registry, tagged by content",
		"Tag each runtime image judge-runtime-NAME:HASH as HOST:PORT/judge-runtime-NAME:HASH and push it, so\n"+
			"worker nodes pull it (`judged image pull`) instead of building it. The image must be built and\n"+
			"carry the recipe hash of this judged. Prints the pushed references.",
		image.Push)
}

func newImagePullCmd(a *app) *cobra.Command {
	return newImageRegistryCmd(a, "pull", "Pull the runtime images this judged names from a registry",
		"Pull HOST:PORT/judge-runtime-NAME:HASH for each recipe (HASH is this judged's recipe hash), check\n"+
			"that the image carries that hash and tag it judge-runtime-NAME:HASH, the name workers look up.\n"+
			"Prints the local tags.",
		image.Pull)
}
