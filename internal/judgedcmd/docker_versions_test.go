package judgedcmd

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

// A worker publishes the versions recorded in its engine's runtime images, for the languages its
// pins accept only, and publishes again when the pins' verdict changes; without an engine it
// publishes nothing and tries again at the next update.
func TestVersionPublisher(t *testing.T) {
	testenv.Image(t, "base")
	tab, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.New(t)
	ctx := context.Background()
	d := testenv.Docker(t)
	refused := image.NewPins(d, tab).Refresh(ctx)
	if _, no := refused["c"]; no {
		t.Fatalf("the base image is present but c is refused: %v", refused["c"])
	}
	// cpp's image is the base image too: refusing it here shows the pins, not the images,
	// decide what is published.
	refused["cpp"] = errors.New("not this judge's build")
	pub := &versionPublisher{d: d, tab: tab, st: st, worker: "w1", log: discardLog()}
	pub.update(ctx, refused)
	got := published(t, st)
	for _, id := range []string{"c", "python3", "bash"} {
		if got[id].Version == "" || got[id].Worker != "w1" || got[id].Image != image.Resolve("base") {
			t.Errorf("%s: published %+v, want its version from %s by w1", id, got[id], image.Resolve("base"))
		}
	}
	if !strings.HasPrefix(got["c"].Version, "GCC ") {
		t.Errorf("c: version %q, want GCC x.y.z", got["c"].Version)
	}
	if _, ok := got["cpp"]; ok {
		t.Errorf("cpp was published although the pins refuse it: %+v", got["cpp"])
	}
	for id := range refused {
		if _, ok := got[id]; ok && id != "cpp" {
			t.Errorf("%s was published although the pins refuse it", id)
		}
	}

	// The pins accept cpp now: it is published at the next update.
	delete(refused, "cpp")
	pub.update(ctx, refused)
	if cpp := published(t, st)["cpp"]; !strings.HasPrefix(cpp.Version, "GCC ") {
		t.Errorf("cpp after the pins accepted it: %+v", cpp)
	}

	absent, err := client.New(client.WithHost("unix:///nonexistent/docker.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer absent.Close()
	other := storetest.New(t)
	none := &versionPublisher{d: absent, tab: tab, st: other, worker: "w2", log: discardLog()}
	none.update(ctx, nil)
	if got := published(t, other); len(got) != 0 || none.published {
		t.Errorf("without an engine: published %+v (done %v)", got, none.published)
	}
}

func published(t *testing.T, st *store.Store) map[string]store.LanguageVersion {
	t.Helper()
	rows, err := st.LanguageVersions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.LanguageVersion{}
	for _, r := range rows {
		out[r.Language] = r
	}
	return out
}

// Least privilege: a process that runs no worker (api, relay) never opens a Docker client, even
// with an engine at hand; one that runs a worker has one. Neither table carries versions: they
// go through the database (TestVersionPublisher).
func TestOnlyWorkerProcessesTalkToDocker(t *testing.T) {
	testenv.Image(t, "base")
	cfg := config.Default()
	cfg.DockerHost = testenv.DockerHost(t)

	api := newProcessWith(cfg, discardLog(), nil)
	if _, err := api.dockerClient(context.Background()); err == nil {
		t.Error("a process without a worker opened a Docker client")
	}
	tab, err := api.languages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := tab.Get("c"); c.Version != "" {
		t.Errorf("the API-only process read version %q from the engine", c.Version)
	}

	w := newProcessWith(cfg, discardLog(), nil)
	w.usesDocker = true
	tab, err = w.languages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := tab.Get("c"); c.Version != "" {
		t.Errorf("the worker process's table has c version %q; versions go through the database", c.Version)
	}
	d, err := w.dockerClient(context.Background())
	if err != nil || d == nil || w.docker != d {
		t.Fatalf("the worker process holds no Docker client: %v", err)
	}
	w.docker.Close()
}
