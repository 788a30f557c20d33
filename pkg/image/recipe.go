// Package image owns the judge's runtime images: the recipes (a Debian suite, the packages of
// the toolchains, and the compilers fetched from Maven Central and the Go module proxy), their
// content-derived tags, and building them locally with mmdebstrap and `docker import` — no
// registry is needed. Every image carries the versions of its languages, queried inside the image
// at build time (label judge.versions). It also checks that every language of the language table
// compiles and runs a small program in its image.
package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/judge-dev/judge/pkg/lang"
)

// builderVersion is part of every tag: bump it when Build changes what it produces, so old
// images are not taken for current ones.
const builderVersion = "2"

// UID and GID of the unprivileged user "judge" present in every image; programs run as it.
const (
	UID = 10000
	GID = 10000
)

// Recipe describes one runtime image.
type Recipe struct {
	Name string `json:"name"`
	// Suite is the Debian release, e.g. "trixie".
	Suite string `json:"suite"`
	// Sources are apt source lines; the first one's suite is what mmdebstrap bootstraps.
	Sources []string `json:"sources"`
	// Packages are installed on top of the apt variant, without recommends.
	Packages []string `json:"packages"`
	// Maven are sets of artifacts fetched, with their runtime dependencies, from Maven Central on
	// the host and copied into the image.
	Maven []MavenSet `json:"maven,omitempty"`
	// GoToolchain, when set, is a Go release ("1.25.5") fetched from the Go module proxy on the
	// host (module golang.org/toolchain, checked against the checksum database) and copied to
	// /usr/local/go.
	GoToolchain string `json:"go_toolchain,omitempty"`
	// HookDirs are mmdebstrap hook directories (--hook-dir).
	HookDirs []string `json:"hook_dirs,omitempty"`
	// SetupHooks are shell commands run by mmdebstrap's --setup-hook, before any package is
	// unpacked; "$1" is the new root.
	SetupHooks []string `json:"setup_hooks,omitempty"`
	// Hooks are shell commands run by mmdebstrap's --customize-hook, after the fetched files are
	// copied in; "$1" is the new root.
	Hooks []string `json:"hooks"`
	// Probes are the version commands of the recipe's languages, run in the built image; their
	// output becomes the image's judge.version.<language> labels. They are not part of the hash:
	// a changed or added command is run again on the existing image (see Build).
	Probes []Probe `json:"-"`
	// Changes are Dockerfile instructions applied at import (ENV, WORKDIR, LABEL...).
	Changes []string `json:"changes"`
}

// MavenSet is a set of Maven artifacts ("group:artifact:version") resolved with their runtime
// dependencies into Dir of the image, file names without versions (kotlin-stdlib.jar).
type MavenSet struct {
	Dir       string   `json:"dir"`
	Artifacts []string `json:"artifacts"`
}

// Probe is the version command of one language.
type Probe struct {
	Language string   `json:"language"`
	Argv     []string `json:"argv"`
	Env      []string `json:"env,omitempty"`
}

// Suite is the Debian release every built-in recipe is built from.
const Suite = "trixie"

var commonHooks = []string{
	`echo 'judge:x:10000:10000:judge:/box:/usr/sbin/nologin' >> "$1/etc/passwd"`,
	`echo 'judge:x:10000:' >> "$1/etc/group"`,
	`echo 'judge:!:1::::::' >> "$1/etc/shadow"`,
	`mkdir -p "$1/box" && chown 10000:10000 "$1/box" && chmod 0755 "$1/box"`,
}

// cleanupHooks run last, after the probes, which may leave caches behind.
var cleanupHooks = []string{
	`rm -rf "$1/var/cache/apt/"*.bin "$1/var/log/"*.log "$1/var/log/apt" "$1/tmp/"* "$1/tmp/".[!.]* "$1/root/".[!.]*`,
}

var commonChanges = []string{
	"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"ENV LANG=C.UTF-8",
	"ENV LC_ALL=C.UTF-8",
	"WORKDIR /box",
}

var debianSources = []string{
	"deb http://deb.debian.org/debian trixie main",
	"deb http://deb.debian.org/debian trixie-updates main",
	"deb http://deb.debian.org/debian-security trixie-security main",
}

// Maven artifacts of the JVM family. Maven checks each file against the repository's
// checksums (mvn --strict-checksums fails on a mismatch).
const (
	kotlinVersion = "2.4.21"
	scalaVersion  = "3.9.0"
	groovyVersion = "5.1.3"
	goVersion     = "1.25.5"
)

// goCache is the Go build cache baked into the native image, with goWarm compiled.
const (
	goCache = "/usr/local/go/judge-cache"
	goWarm  = "bufio bytes container/heap errors fmt io math math/big math/bits os slices sort strconv strings sync time unicode"
)

// wrapper returns a hook that writes an executable script to /usr/local/bin/name.
func wrapper(name, body string) string {
	return fmt.Sprintf(`printf '%%s\n' '#!/bin/sh' %s > "$1/usr/local/bin/%s" && chmod 0755 "$1/usr/local/bin/%s"`,
		shellQuote(body), name, name)
}

// family is one image of the built-in set: its packages and what else it needs.
type family struct {
	packages []string
	maven    []MavenSet
	goTC     string
	setup    []string
	hooks    []string
}

// families are the built-in recipes. "base" (C, C++, Python 3) is what most code and tests
// need; every other family is built only where its languages are judged.
func families() map[string]family {
	// OpenJDK's postinst registers its man page with update-alternatives and fails when the man
	// directory is missing, which it is because man pages are not installed.
	manDir := []string{`mkdir -p "$1/usr/share/man/man1"`}
	return map[string]family{
		"base": {
			packages: []string{"gcc", "g++", "libc6-dev", "python3"},
			hooks: []string{
				// Debian's sitecustomize only tries to import Ubuntu's crash reporter (apport),
				// which no image has: a failed search of sys.path on every start, 1.5 ms of a
				// Python hello world's 11.6 ms (docs/benchmarks.md, issue 17).
				`rm -f "$1"/etc/python3.*/sitecustomize.py "$1"/usr/lib/python3.*/sitecustomize.py`,
			},
		},
		"jvm": {
			packages: []string{"openjdk-21-jdk-headless", "clojure"},
			setup:    manDir,
			maven: []MavenSet{
				{Dir: "/opt/kotlin/lib", Artifacts: []string{"org.jetbrains.kotlin:kotlin-compiler-embeddable:" + kotlinVersion}},
				{Dir: "/opt/scala/lib", Artifacts: []string{"org.scala-lang:scala3-compiler_3:" + scalaVersion}},
				{Dir: "/opt/groovy/lib", Artifacts: []string{"org.apache.groovy:groovy:" + groovyVersion}},
			},
			hooks: []string{
				// The embeddable compiler has no Kotlin home: programs compile with -no-stdlib
				// -cp /opt/kotlin/lib/kotlin-stdlib.jar and run with that jar on the class path.
				wrapper("kotlinc", `exec java $JAVA_OPTS -cp '/opt/kotlin/lib/*' org.jetbrains.kotlin.cli.jvm.K2JVMCompiler -no-reflect "$@"`),
				wrapper("scalac", `exec java $JAVA_OPTS -cp '/opt/scala/lib/*' dotty.tools.dotc.Main -usejavacp "$@"`),
				wrapper("scala", `exec java $JAVA_OPTS -cp "/opt/scala/lib/scala-library.jar:/opt/scala/lib/scala3-library_3.jar:$CLASSPATH" "$@"`),
				wrapper("groovy", `exec java $JAVA_OPTS -cp '/opt/groovy/lib/*' groovy.ui.GroovyMain "$@"`),
			},
		},
		"native": {
			packages: []string{"gcc", "g++", "libc6-dev", "rustc", "fp-compiler", "fp-units-base", "fp-units-rtl",
				"gfortran", "gdc", "gnucobol3", "nasm", "binutils", "gobjc", "gnat"},
			goTC: goVersion,
			hooks: []string{
				// A module zip keeps no file modes: make the tools executable, as go does
				// when it switches to a downloaded toolchain.
				`chmod -R a+rX "$1/usr/local/go" && chmod a+x "$1/usr/local/go/bin/"* "$1/usr/local/go/pkg/tool/linux_amd64/"*`,
				`ln -s /usr/local/go/bin/go /usr/local/go/bin/gofmt "$1/usr/local/bin/"`,
				// Programs are built with an empty cache; compiling the runtime and the usual
				// standard packages each time takes seconds, so the image carries them
				// compiled (the go language copies this cache to its GOCACHE first).
				`chroot "$1" env -i PATH=/usr/local/go/bin:/usr/bin:/bin HOME=/tmp GOCACHE=` + goCache +
					` CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false go build ` + goWarm +
					` && chmod -R a+rX "$1` + goCache + `"`,
			},
		},
		"functional": {
			packages: []string{"ghc", "ocaml-nox", "ocaml-findlib", "sbcl", "swi-prolog-nox", "erlang-nox", "elixir",
				"guile-3.0", "racket", "gcc", "libc6-dev"},
		},
		"scripting": {
			hooks: []string{
				// tsc includes /node_modules/@types/* on its own; Debian packages no @types/node,
				// so the Node.js globals a program needs to read input are declared here.
				`mkdir -p "$1/node_modules/@types/node" && printf '%s\n' 'declare var require: any;' 'declare var process: any;' 'declare var module: any;' > "$1/node_modules/@types/node/index.d.ts"`,
			},
			packages: []string{"nodejs", "node-typescript", "coffeescript", "ruby", "php-cli", "perl", "lua5.4",
				"r-base-core", "octave", "sqlite3", "pypy3", "tcl", "gawk"},
		},
		"mono": {packages: []string{"mono-mcs", "mono-runtime"}},
	}
}

// recipes returns the built-in recipes by name, with the version probes of the built-in
// language table. It builds them fresh each call so no caller can alter another's copy.
func recipes() map[string]Recipe {
	probes := map[string][]Probe{}
	if tab, err := lang.Load(""); err == nil { // the embedded table is validated by pkg/lang's tests
		for _, l := range tab.All() {
			if len(l.VersionCommand) > 0 {
				probes[l.Image] = append(probes[l.Image], Probe{Language: l.ID, Argv: l.VersionCommand, Env: l.Env})
			}
		}
	}
	out := map[string]Recipe{}
	for name, f := range families() {
		p := slices.Clone(f.packages)
		sort.Strings(p)
		p = slices.Compact(p)
		out[name] = Recipe{
			Name: name, Suite: Suite, Sources: slices.Clone(debianSources), Packages: p,
			Maven: f.maven, GoToolchain: f.goTC,
			// Set up merged /usr as debootstrap does, with symlinks, instead of installing
			// usrmerge, which pulls in perl (~50 MB) that most programs do not need.
			HookDirs:   []string{"/usr/share/mmdebstrap/hooks/merged-usr"},
			SetupHooks: f.setup,
			Hooks:      append(slices.Clone(commonHooks), f.hooks...),
			Probes:     probes[name],
			Changes:    slices.Clone(commonChanges),
		}
	}
	return out
}

// Recipes returns the names of the built-in recipes, sorted.
func Recipes() []string {
	var names []string
	for n := range families() {
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
//
// The sandbox resolves the image of every compile and run, so the tags of the built-in recipes
// are computed once per process: building the recipes parses the embedded language table, which
// cost about a quarter of a worker's CPU per submission (docs/benchmarks.md).
func Resolve(name string) string {
	if tag, ok := builtinTags()[name]; ok {
		return tag
	}
	return name
}

// builtinTags maps each built-in recipe name to its tag. The recipes are fixed at build time,
// so the memo never goes stale.
var builtinTags = sync.OnceValue(func() map[string]string {
	tags := map[string]string{}
	for name, r := range recipes() {
		if IsRecipe(name) {
			tags[name] = r.Tag()
		}
	}
	return tags
})

// IsRecipe reports whether name is a built-in recipe rather than an image reference.
func IsRecipe(name string) bool {
	_, ok := families()[name]
	return ok && !strings.ContainsAny(name, ":/")
}

// ForLanguages returns the recipes the languages ids of tab need, in table order, and the images
// they name that are not recipes.
func ForLanguages(tab *lang.Table, ids []string) (recipes, others []string, err error) {
	for _, id := range ids {
		l, ok := tab.Get(id)
		if !ok {
			return nil, nil, fmt.Errorf("unknown language %q (known: %s)", id, strings.Join(tab.IDs(), ", "))
		}
		switch {
		case IsRecipe(l.Image):
			if !slices.Contains(recipes, l.Image) {
				recipes = append(recipes, l.Image)
			}
		case !slices.Contains(others, l.Image):
			others = append(others, l.Image)
		}
	}
	return recipes, others, nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
