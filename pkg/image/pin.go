package image

import (
	"context"
	"fmt"

	"github.com/judge-dev/judge/pkg/lang"
)

// Pinned reports, for every language of tab, whether this engine holds the image this judge's
// recipes name for it: nil when the language can be judged here, otherwise why not — the image
// is missing, or a *MismatchError when the image under that tag carries another recipe hash
// (a tag re-pointed by hand, or pulled from a registry holding another build). Languages whose
// image is a plain reference (not a recipe) are only checked for presence. A worker takes work
// only for languages with a nil entry; the cluster agrees on the tags because every judged of a
// release computes the same recipe hashes.
func Pinned(ctx context.Context, d Docker, tab *lang.Table) map[string]error {
	out := map[string]error{}
	byImage := map[string]error{}
	for _, l := range tab.All() {
		err, seen := byImage[l.Image]
		if !seen {
			err = pinned(ctx, d, l.Image)
			byImage[l.Image] = err
		}
		out[l.ID] = err
	}
	return out
}

func pinned(ctx context.Context, d Docker, image string) error {
	if r, ok := Lookup(image); ok && IsRecipe(image) {
		return verifyLabel(ctx, d, r.Tag(), r)
	}
	ok, err := Exists(ctx, d, image)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("image %s is not on this engine", image)
	}
	return nil
}
