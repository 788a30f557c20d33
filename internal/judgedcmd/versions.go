package judgedcmd

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/store"
)

// languageVersionStore is where a worker publishes the versions it reads.
type languageVersionStore interface {
	PutLanguageVersions(ctx context.Context, worker string, versions []store.LanguageVersion) error
}

// versionPublisher puts the language versions recorded in the runtime images of this worker's
// engine (at build time: they are never typed by hand) into the database, where the API, which
// talks to no Docker engine, reads them for /v1/languages and the Judge0 names. Only languages
// the pins accept are published: an image that is not the cluster's pinned build does not speak
// for the cluster's versions.
type versionPublisher struct {
	d      image.Inspector
	tab    *lang.Table
	st     languageVersionStore
	worker string
	log    *slog.Logger

	// refused is the pins' verdict at the last successful publication; published is false
	// until one succeeds.
	refused   string
	published bool
}

// update publishes the versions of the languages the pins accept now (refused is what they
// refuse), unless they were published for the same verdict already. A failure is logged and
// retried at the next call.
func (v *versionPublisher) update(ctx context.Context, refused map[string]error) {
	key := refusedKey(refused)
	if v.published && key == v.refused {
		return
	}
	n, err := v.publish(ctx, refused)
	if err != nil {
		v.log.Warn("language versions not published; the API keeps showing the last ones", "err", err)
		return
	}
	v.refused, v.published = key, true
	v.log.Info("language versions published from the runtime images", "languages", n)
}

func (v *versionPublisher) publish(ctx context.Context, refused map[string]error) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	read, err := image.TableVersions(ctx, v.d, v.tab)
	if err != nil {
		return 0, fmt.Errorf("read the runtime images' versions: %w", err)
	}
	var out []store.LanguageVersion
	for _, l := range v.tab.All() {
		if _, no := refused[l.ID]; no || read[l.ID] == "" {
			continue
		}
		out = append(out, store.LanguageVersion{Language: l.ID, Version: read[l.ID], Image: image.Resolve(l.Image)})
	}
	if err := v.st.PutLanguageVersions(ctx, v.worker, out); err != nil {
		return 0, err
	}
	return len(out), nil
}
