package image

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/lang"
)

func TestHashIsSha256OfBuilderAndRecipe(t *testing.T) {
	// Probes are not part of the hash: a changed version command relabels, not rebuilds.
	r := Recipe{Name: "x", Suite: "bookworm", Sources: []string{"deb http://m/debian bookworm main"}, Packages: []string{"gcc"},
		Probes: []Probe{{Language: "c", Argv: []string{"gcc", "--version"}}}}
	doc := `{"builder":"` + builderVersion + `","recipe":{"name":"x","suite":"bookworm","sources":["deb http://m/debian bookworm main"],"packages":["gcc"],"hooks":null,"changes":null}}`
	sum := sha256.Sum256([]byte(doc))
	if want := hex.EncodeToString(sum[:])[:12]; r.Hash() != want {
		t.Fatalf("Hash() = %s, want %s (sha256 of %s)", r.Hash(), want, doc)
	}
	if r.Tag() != "judge-runtime-x:"+r.Hash() {
		t.Errorf("Tag() = %s", r.Tag())
	}
}

func TestTagsAreStableAndChangeWithTheRecipe(t *testing.T) {
	tagRE := regexp.MustCompile(`^judge-runtime-[a-z]+:[0-9a-f]{12}$`)
	for _, name := range Recipes() {
		r, _ := Lookup(name)
		if !tagRE.MatchString(r.Tag()) {
			t.Errorf("%s: tag %q does not look like judge-runtime-NAME:HASH12", name, r.Tag())
		}
		again, _ := Lookup(name)
		if again.Tag() != r.Tag() || Resolve(name) != r.Tag() {
			t.Errorf("%s: tag not stable: %s, %s, %s", name, r.Tag(), again.Tag(), Resolve(name))
		}
		changed := again
		changed.Packages = append(slices.Clone(changed.Packages), "make")
		if changed.Hash() == r.Hash() {
			t.Errorf("%s: adding a package did not change the hash", name)
		}
		hooked := again
		hooked.Hooks = append(slices.Clone(hooked.Hooks), "true")
		if hooked.Hash() == r.Hash() {
			t.Errorf("%s: adding a hook did not change the hash", name)
		}
	}
	tags := map[string]string{}
	for _, name := range Recipes() {
		r, _ := Lookup(name)
		if other, dup := tags[r.Tag()]; dup {
			t.Errorf("%s and %s have the same tag", name, other)
		}
		tags[r.Tag()] = name
		if r.Suite != "trixie" || !strings.Contains(r.Sources[0], " trixie ") {
			t.Errorf("%s: suite %s, sources %q; want Debian 13 (trixie)", name, r.Suite, r.Sources)
		}
	}
	jvm, _ := Lookup("jvm")
	moved := jvm
	moved.Maven = slices.Clone(jvm.Maven)
	moved.Maven[0].Artifacts = []string{"org.jetbrains.kotlin:kotlin-compiler-embeddable:0.0.1"}
	if moved.Hash() == jvm.Hash() {
		t.Error("jvm: another Kotlin version did not change the hash")
	}
	native, _ := Lookup("native")
	goMoved := native
	goMoved.GoToolchain = "1.0.0"
	if goMoved.Hash() == native.Hash() {
		t.Error("native: another Go version did not change the hash")
	}
}

// Every recipe's probes are the version commands of exactly the table's languages in it.
func TestProbesFollowTheTable(t *testing.T) {
	tab, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range Recipes() {
		r, _ := Lookup(name)
		for _, p := range r.Probes {
			l, ok := tab.Get(p.Language)
			if !ok || l.Image != name || !slices.Equal(l.VersionCommand, p.Argv) {
				t.Errorf("%s: probe %+v does not match the table's %+v", name, p, l)
			}
			n++
		}
	}
	if n != len(tab.All()) {
		t.Errorf("%d probes for %d languages: every built-in language needs a version_command", n, len(tab.All()))
	}
}

func TestForLanguages(t *testing.T) {
	tab, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	recipes, others, err := ForLanguages(tab, []string{"kotlin", "c", "java", "python3"})
	if err != nil || !slices.Equal(recipes, []string{"jvm", "base"}) || len(others) != 0 {
		t.Errorf("ForLanguages = %v, %v, %v; want [jvm base]", recipes, others, err)
	}
	if _, _, err := ForLanguages(tab, []string{"c", "cobra"}); err == nil || !strings.Contains(err.Error(), `unknown language "cobra"`) {
		t.Errorf("unknown language: err = %v", err)
	}
}

func TestResolve(t *testing.T) {
	for _, ref := range []string{"gcc:13", "eclipse-temurin:17-jdk", "registry.local/x/y:1", "nosuchrecipe"} {
		if got := Resolve(ref); got != ref {
			t.Errorf("Resolve(%q) = %q, want it unchanged", ref, got)
		}
	}
	if !IsRecipe("base") || IsRecipe("gcc:13") {
		t.Error("IsRecipe: base must be a recipe, gcc:13 must not")
	}
}

func TestMmdebstrapArgs(t *testing.T) {
	r, _ := Lookup("base")
	args := r.mmdebstrapArgs("/tmp/x/rootfs.tar", nil)
	joined := strings.Join(args, "\n")
	for _, want := range []string{"--variant=apt", "--include=g++,gcc,libc6-dev,python3", "path-exclude=/usr/share/doc/*", "--customize-hook=",
		"--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr"} {
		if !strings.Contains(joined, want) {
			t.Errorf("args lack %q:\n%s", want, joined)
		}
	}
	jvm, _ := Lookup("jvm")
	fetched := fetched{{host: "/tmp/x/maven0/lib", image: "/opt/kotlin/lib"}}
	ja := strings.Join(jvm.mmdebstrapArgs("x.tar", fetched), "\n")
	for _, want := range []string{`--setup-hook=mkdir -p "$1/usr/share/man/man1"`,
		"--customize-hook=sync-in /tmp/x/maven0/lib /opt/kotlin/lib", "/usr/local/bin/kotlinc"} {
		if !strings.Contains(ja, want) {
			t.Errorf("jvm args lack %q:\n%s", want, ja)
		}
	}
	// The fetched files are copied in before the hooks that use them run.
	if strings.Index(ja, "sync-in") > strings.Index(ja, "kotlinc") {
		t.Errorf("jvm: kotlinc is written before the compiler is copied in:\n%s", ja)
	}
	if strings.Contains(joined, "--setup-hook") {
		t.Errorf("base has a setup hook it does not need:\n%s", joined)
	}
	// Suite, target, then the apt sources, in that order at the end.
	tail := args[len(args)-len(r.Sources)-2:]
	if tail[0] != "trixie" || tail[1] != "/tmp/x/rootfs.tar" || !slices.Equal(tail[2:], r.Sources) {
		t.Errorf("positional args = %q", tail)
	}
}

// Every language of the built-in table has a check program, and its image is a recipe.
func TestBuiltinLanguagesHaveHelloAndRecipe(t *testing.T) {
	tab, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range tab.All() {
		src, ok := Hello(l.ID)
		if !ok || len(src) == 0 {
			t.Errorf("%s: no check program in hello/", l.ID)
			continue
		}
		if _, err := l.Prepare(src); err != nil {
			t.Errorf("%s: check program: %v", l.ID, err)
		}
		if !IsRecipe(l.Image) {
			t.Errorf("%s: image %q is not a built-in recipe", l.ID, l.Image)
		}
	}
	if _, ok := Hello("nosuchlanguage"); ok {
		t.Error("Hello(nosuchlanguage) found a program")
	}
}
