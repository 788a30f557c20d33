package image

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/judge-dev/judge/pkg/lang"
)

// errNotOnEngine marks an image reference the engine does not hold.
var errNotOnEngine = errors.New("not on this engine")

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
	// Built once per call, not per image: building them parses the embedded language table,
	// and a worker calls this every health interval.
	rs := recipes()
	for _, l := range tab.All() {
		err, seen := byImage[l.Image]
		if !seen {
			err = pinned(ctx, d, l.Image, rs)
			byImage[l.Image] = err
		}
		out[l.ID] = err
	}
	return out
}

func pinned(ctx context.Context, d Docker, image string, rs map[string]Recipe) error {
	if r, ok := rs[image]; ok && IsRecipe(image) {
		return verifyLabel(ctx, d, r.Tag(), r)
	}
	ok, err := Exists(ctx, d, image)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("image %s is %w: pull it (docker pull, or judged image pull --registry)", image, errNotOnEngine)
	}
	return nil
}

// IsUnpinned tells a verdict of Pinned that says the image is wrong (missing, or another build)
// from one that says the engine did not answer: only the former is the image's fault.
func IsUnpinned(err error) bool {
	var mismatch *MismatchError
	return errors.As(err, &mismatch) || errors.Is(err, errNotOnEngine) || cerrdefs.IsNotFound(err)
}

// Pins keeps Pinned's verdict for a table so a worker can ask, per message, whether it may judge
// a language, without asking the engine each time. Refresh looks again (at start, periodically
// and after a run of a language failed). A check that fails because the engine does not answer
// keeps the previous verdict: an engine outage is the worker's health probe's business (it
// pauses), not a reason to turn languages away.
type Pins struct {
	d   Docker
	tab *lang.Table

	mu      sync.Mutex
	refused map[string]error
	checked bool
}

// NewPins returns the pins of tab on d; every language counts as refused until the first
// Refresh.
func NewPins(d Docker, tab *lang.Table) *Pins {
	return &Pins{d: d, tab: tab}
}

// Refresh checks every language's image again and returns the languages refused now.
func (p *Pins) Refresh(ctx context.Context) map[string]error {
	res := Pinned(ctx, p.d, p.tab)
	p.mu.Lock()
	defer p.mu.Unlock()
	next := map[string]error{}
	for id, err := range res {
		switch {
		case err == nil:
		case IsUnpinned(err) || !p.checked:
			next[id] = err
		default:
			// The engine did not answer for this image: keep what we knew.
			if prev, ok := p.refused[id]; ok {
				next[id] = prev
			}
		}
	}
	p.refused, p.checked = next, true
	return p.refusedLocked()
}

// Refused reports why this worker must not judge language now; nil means it may.
func (p *Pins) Refused(language string) error {
	if _, ok := p.tab.Get(language); !ok {
		return fmt.Errorf("language %q is not in this worker's table (known: %d languages)", language, len(p.tab.IDs()))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.checked {
		return errors.New("runtime images not checked yet")
	}
	return p.refused[language]
}

// Recheck refreshes the pins and reports as Refused does, for a language whose run just
// failed: the image may have gone since the last look.
func (p *Pins) Recheck(ctx context.Context, language string) error {
	p.Refresh(ctx)
	return p.Refused(language)
}

// All returns the languages refused at the last Refresh (id → why); nil before the first.
func (p *Pins) All() map[string]error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refusedLocked()
}

func (p *Pins) refusedLocked() map[string]error {
	if !p.checked {
		return nil
	}
	out := make(map[string]error, len(p.refused))
	for id, err := range p.refused {
		out[id] = err
	}
	return out
}

// Summary lists refused languages by the reason they share, for logs and readiness: one entry
// per reason, its languages sorted.
func Summary(refused map[string]error) map[string][]string {
	out := map[string][]string{}
	for id, err := range refused {
		out[err.Error()] = append(out[err.Error()], id)
	}
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}
