package api

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/store"
)

// languageStore is what the language routes need: the versions the workers read from their
// runtime images and published (the API talks to no Docker engine).
type languageStore interface {
	LanguageVersions(ctx context.Context) ([]store.LanguageVersion, error)
}

// defaultLanguagesRefresh is how long the API serves the versions it read before reading them
// again: they change when a worker starts on other images, which is rare.
const defaultLanguagesRefresh = 10 * time.Second

// languageView is the language table as the routes show it: the configured table with the
// versions the workers published. It is read from the database at most once per refresh; a
// failed read keeps the last view (the table's own versions before the first success).
type languageView struct {
	base    *lang.Table
	st      languageStore
	refresh time.Duration
	log     *slog.Logger

	mu     sync.Mutex
	at     time.Time
	tab    *lang.Table
	judge0 []judge0Language
}

func newLanguageView(base *lang.Table, st languageStore, refresh time.Duration, log *slog.Logger) *languageView {
	if refresh <= 0 {
		refresh = defaultLanguagesRefresh
	}
	return &languageView{base: base, st: st, refresh: refresh, log: log, tab: base, judge0: judge0Languages(base)}
}

// get returns the table and its Judge0 list, reading the versions again when the last read is
// older than the refresh interval.
func (v *languageView) get(ctx context.Context) (*lang.Table, []judge0Language) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.at.IsZero() && time.Since(v.at) < v.refresh {
		return v.tab, v.judge0
	}
	v.at = time.Now()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	rows, err := v.st.LanguageVersions(rctx)
	if err != nil {
		v.log.Warn("language versions not read; serving the last known", "err", err)
		return v.tab, v.judge0
	}
	versions := make(map[string]string, len(rows))
	for _, r := range rows {
		versions[r.Language] = r.Version
	}
	v.tab = v.base.WithVersions(versions)
	v.judge0 = judge0Languages(v.tab)
	return v.tab, v.judge0
}
