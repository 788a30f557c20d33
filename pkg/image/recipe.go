// Package image owns the judge's runtime images: the recipes (a Debian suite and the packages of
// the toolchains), their content-derived tags, and building them locally with mmdebstrap and
// `docker import` — no registry is needed. It also checks that every language of the language
// table compiles and runs a small program in its image.
package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strings"
)

// builderVersion is part of every tag: bump it when Build changes what it produces, so old
// images are not taken for current ones.
const builderVersion = "1"

// UID and GID of the unprivileged user "judge" present in every image; programs run as it.
const (
	UID = 10000
	GID = 10000
)

// Recipe describes one runtime image.
type Recipe struct {
	Name string `json:"name"`
	// Suite is the Debian release, e.g. "bookworm".
	Suite string `json:"suite"`
	// Sources are apt source lines; the first one's suite is what mmdebstrap bootstraps.
	Sources []string `json:"sources"`
	// Packages are installed on top of the apt variant, without recommends.
	Packages []string `json:"packages"`
	// HookDirs are mmdebstrap hook directories (--hook-dir).
	HookDirs []string `json:"hook_dirs,omitempty"`
	// SetupHooks are shell commands run by mmdebstrap's --setup-hook, before any package is
	// unpacked; "$1" is the new root.
	SetupHooks []string `json:"setup_hooks,omitempty"`
	// Hooks are shell commands run by mmdebstrap's --customize-hook; "$1" is the new root.
	Hooks []string `json:"hooks"`
	// Changes are Dockerfile instructions applied at import (ENV, WORKDIR, LABEL...).
	Changes []string `json:"changes"`
}

var commonHooks = []string{
	`echo 'judge:x:10000:10000:judge:/box:/usr/sbin/nologin' >> "$1/etc/passwd"`,
	`echo 'judge:x:10000:' >> "$1/etc/group"`,
	`echo 'judge:!:1::::::' >> "$1/etc/shadow"`,
	`mkdir -p "$1/box" && chown 10000:10000 "$1/box" && chmod 0755 "$1/box"`,
	`rm -rf "$1/var/cache/apt/"*.bin "$1/var/log/"*.log "$1/var/log/apt"`,
}

var commonChanges = []string{
	"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"ENV LANG=C.UTF-8",
	"ENV LC_ALL=C.UTF-8",
	"WORKDIR /box",
}

var debianSources = []string{
	"deb http://deb.debian.org/debian bookworm main",
	"deb http://deb.debian.org/debian bookworm-updates main",
	"deb http://deb.debian.org/debian-security bookworm-security main",
}

var basePackages = []string{"gcc", "g++", "libc6-dev", "python3"}

// fullPackages covers every language of the built-in table (see pkg/lang/languages.yaml).
var fullPackages = append(slices.Clone(basePackages),
	"openjdk-17-jdk-headless", // java; also runs kotlin and scala programs
	"kotlin",
	"golang-go",
	"rustc",
	"nodejs",
	"ruby",
	"php-cli",
	"mono-mcs", "mono-runtime",
	"ghc",
	"ocaml-nox", "ocaml-findlib",
	"scala",
	"sbcl",
	"swi-prolog-nox",
)

// recipes returns the built-in recipes by name. It builds them fresh each call so no caller can
// alter another's copy.
func recipes() map[string]Recipe {
	mk := func(name string, pkgs []string) Recipe {
		p := slices.Clone(pkgs)
		sort.Strings(p)
		return Recipe{
			Name: name, Suite: "bookworm", Sources: slices.Clone(debianSources), Packages: p,
			// Set up merged /usr as debootstrap does, with symlinks, instead of installing
			// usrmerge, which pulls in perl (~50 MB) that no judged program needs.
			HookDirs: []string{"/usr/share/mmdebstrap/hooks/merged-usr"},
			Hooks:    slices.Clone(commonHooks), Changes: slices.Clone(commonChanges),
		}
	}
	full := mk("full", fullPackages)
	// OpenJDK's postinst registers its man page with update-alternatives and fails when the man
	// directory is missing, which it is because man pages are not installed.
	full.SetupHooks = []string{`mkdir -p "$1/usr/share/man/man1"`}
	return map[string]Recipe{
		"base": mk("base", basePackages),
		"full": full,
	}
}

// Recipes returns the names of the built-in recipes, sorted.
func Recipes() []string {
	var names []string
	for n := range recipes() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the recipe called name.
func Lookup(name string) (Recipe, bool) {
	r, ok := recipes()[name]
	return r, ok
}

// Hash is the first 12 hex digits of the sha256 of the recipe and the builder version: any
// change to what goes into the image changes the tag.
func (r Recipe) Hash() string {
	// Only strings and slices of them: Marshal cannot fail.
	b, _ := json.Marshal(struct {
		Builder string `json:"builder"`
		Recipe  Recipe `json:"recipe"`
	}{builderVersion, r})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:12]
}

// Tag is the local image reference of the recipe: judge-runtime-<name>:<hash>.
func (r Recipe) Tag() string { return Repository(r.Name) + ":" + r.Hash() }

// Repository is the image repository of recipe name.
func Repository(name string) string { return "judge-runtime-" + name }

// Resolve maps a recipe name to its tag and returns any other name (an image reference such as
// "gcc:13") unchanged.
func Resolve(name string) string {
	if r, ok := Lookup(name); ok {
		return r.Tag()
	}
	return name
}

// IsRecipe reports whether name is a built-in recipe rather than an image reference.
func IsRecipe(name string) bool {
	_, ok := Lookup(name)
	return ok && !strings.ContainsAny(name, ":/")
}
