package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

// Workers publish the versions their images record; the last to publish a language wins and
// languages it does not name keep their rows.
func TestLanguageVersions(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if got, err := st.LanguageVersions(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty table: %+v, %v", got, err)
	}
	if err := st.PutLanguageVersions(ctx, "w1", []store.LanguageVersion{
		{Language: "python3", Version: "Python 3.13.4", Image: "judge-runtime-scripting:aaa"},
		{Language: "c", Version: "GCC 14.2.0", Image: "judge-runtime-base:bbb"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutLanguageVersions(ctx, "w2", []store.LanguageVersion{
		{Language: "python3", Version: "Python 3.13.5", Image: "judge-runtime-scripting:ccc"},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := st.LanguageVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("rows = %+v; want c and python3", got)
	}
	c, py := got[0], got[1]
	if c.Language != "c" || c.Version != "GCC 14.2.0" || c.Image != "judge-runtime-base:bbb" || c.Worker != "w1" {
		t.Errorf("c = %+v; want w1's row kept", c)
	}
	if py.Language != "python3" || py.Version != "Python 3.13.5" || py.Image != "judge-runtime-scripting:ccc" || py.Worker != "w2" {
		t.Errorf("python3 = %+v; want w2's row", py)
	}
	if time.Since(py.UpdatedAt) > time.Minute || py.UpdatedAt.Before(c.UpdatedAt) {
		t.Errorf("updated_at: c %v, python3 %v", c.UpdatedAt, py.UpdatedAt)
	}

	// A batch with a blank version writes nothing, not even its valid entries.
	err = st.PutLanguageVersions(ctx, "w3", []store.LanguageVersion{
		{Language: "c", Version: "GCC 15", Image: "x"}, {Language: "go", Version: ""},
	})
	if err == nil {
		t.Fatal("a blank version was accepted")
	}
	if after, err := st.LanguageVersions(ctx); err != nil || len(after) != 2 || after[0].Version != "GCC 14.2.0" {
		t.Errorf("after a refused batch: %+v, %v", after, err)
	}
}
