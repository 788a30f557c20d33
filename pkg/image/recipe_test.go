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
	r := Recipe{Name: "x", Suite: "bookworm", Sources: []string{"deb http://m/debian bookworm main"}, Packages: []string{"gcc"}}
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
	base, _ := Lookup("base")
	full, _ := Lookup("full")
	if base.Tag() == full.Tag() {
		t.Error("base and full have the same tag")
	}
	for _, p := range base.Packages {
		if !slices.Contains(full.Packages, p) {
			t.Errorf("full lacks base package %s", p)
		}
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
	args := r.mmdebstrapArgs("/tmp/x/rootfs.tar")
	joined := strings.Join(args, "\n")
	for _, want := range []string{"--variant=apt", "--include=g++,gcc,libc6-dev,python3", "path-exclude=/usr/share/doc/*", "--customize-hook=",
		"--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr"} {
		if !strings.Contains(joined, want) {
			t.Errorf("args lack %q:\n%s", want, joined)
		}
	}
	full, _ := Lookup("full")
	if fa := strings.Join(full.mmdebstrapArgs("x.tar"), "\n"); !strings.Contains(fa, `--setup-hook=mkdir -p "$1/usr/share/man/man1"`) {
		t.Errorf("full lacks the man dir setup hook:\n%s", fa)
	}
	if strings.Contains(joined, "--setup-hook") {
		t.Errorf("base has a setup hook it does not need:\n%s", joined)
	}
	// Suite, target, then the apt sources, in that order at the end.
	tail := args[len(args)-len(r.Sources)-2:]
	if tail[0] != "bookworm" || tail[1] != "/tmp/x/rootfs.tar" || !slices.Equal(tail[2:], r.Sources) {
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
