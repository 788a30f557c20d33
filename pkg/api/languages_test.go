package api_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

// languageVersion is python3's version in /v1/languages and the name of Judge0 id 71.
func (e *env) languageVersion() (version, judge0Name string) {
	e.t.Helper()
	for _, l := range decode[apiv1.LanguageList](e.t, e.do(req{method: "GET", path: "/v1/languages", token: e.viewer})).Items {
		if l.ID == "python3" {
			version = l.Version
		}
	}
	for _, l := range decode[[]struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}](e.t, e.do(req{method: "GET", path: "/judge0/languages", token: e.viewer})) {
		if l.ID == 71 {
			judge0Name = l.Name
		}
	}
	return version, judge0Name
}

// The API has no Docker client: the versions in /v1/languages and in the Judge0 names are the
// ones the workers wrote to language_versions, re-read after the refresh interval.
func TestLanguageVersionsFromTheDatabase(t *testing.T) {
	e := newEnv(t, envOpts{langRefresh: 50 * time.Millisecond})
	if v, n := e.languageVersion(); v != "Python 3.13.5" || n != "Python (3.13.5)" {
		t.Fatalf("published Python 3.13.5: /v1/languages %q, Judge0 name %q", v, n)
	}
	if err := e.st.PutLanguageVersions(context.Background(), "w2", []store.LanguageVersion{
		{Language: "python3", Version: "Python 3.14.1", Image: "judge-runtime-scripting:new"},
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, n := e.languageVersion()
		if v == "Python 3.14.1" && n == "Python (3.14.1)" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a worker published Python 3.14.1: /v1/languages %q, Judge0 name %q", v, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	one := decode[map[string]any](t, e.do(req{method: "GET", path: "/judge0/languages/71", token: e.viewer}))
	if one["name"] != "Python (3.14.1)" {
		t.Errorf("/judge0/languages/71 = %v", one)
	}
}

// failingVersions fails LanguageVersions while fail is set, and counts the calls.
type failingVersions struct {
	api.Store
	fail  atomic.Bool
	calls atomic.Int32
}

func (f *failingVersions) LanguageVersions(ctx context.Context) ([]store.LanguageVersion, error) {
	f.calls.Add(1)
	if f.fail.Load() {
		return nil, errors.New("injected: database unavailable")
	}
	return f.Store.LanguageVersions(ctx)
}

// A failed read keeps the versions read last, rather than dropping them.
func TestLanguageVersionsKeptWhenTheDatabaseFails(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if err := st.PutLanguageVersions(ctx, "w1", publishedVersions(imageVersions)); err != nil {
		t.Fatal(err)
	}
	_, viewer, err := st.CreateToken(ctx, "eve", "viewer")
	if err != nil {
		t.Fatal(err)
	}
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	fs := &failingVersions{Store: st}
	a, err := api.New(api.Deps{Store: fs, Languages: langs, LanguagesRefresh: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, st: st, srv: srv, viewer: viewer}

	if v, n := e.languageVersion(); v != "Python 3.13.5" || n != "Python (3.13.5)" {
		t.Fatalf("before the fault: %q, %q", v, n)
	}
	fs.fail.Store(true)
	before := fs.calls.Load()
	time.Sleep(5 * time.Millisecond) // past the refresh interval
	if v, n := e.languageVersion(); v != "Python 3.13.5" || n != "Python (3.13.5)" {
		t.Errorf("while the database fails: %q, %q; want the last known", v, n)
	}
	if fs.calls.Load() == before {
		t.Fatal("the versions were not read again: the fault path did not run")
	}
}
