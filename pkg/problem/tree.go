package problem

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Caps applied to every package, from a directory or an archive, so a hostile upload cannot
// exhaust memory (zip bombs) or the file table.
const (
	MaxFiles      = 20000
	MaxTotalBytes = 1 << 30
	maxLinkHops   = 16
)

// tree is a package read into memory: regular files and symbolic links by slash path relative
// to the package root. Links are resolved inside the tree only, so nothing outside the package
// is ever read through one.
type tree struct {
	files map[string][]byte
	links map[string]string // path -> raw link target
	// hard are tar hard links: path -> target relative to the package root.
	hard  map[string]string
	dirs  map[string]bool
	total int64
	// maxTotal caps the sum of file sizes (MaxTotalBytes; smaller in tests).
	maxTotal int64
	// caps, when set, bound the unpacking more finely and spill test data to disk (see
	// LoadArchiveFile); spilled maps such a file's path to its file on disk (files has nil).
	caps    *Caps
	spilled map[string]string
	// mem is the sum of the sizes of the files held in memory.
	mem int64
}

func newTree() *tree {
	return &tree{files: map[string][]byte{}, links: map[string]string{}, hard: map[string]string{}, dirs: map[string]bool{"": true}, maxTotal: MaxTotalBytes, spilled: map[string]string{}}
}

// cleanName validates an entry name of an archive or a directory walk.
func cleanName(name string) (string, error) {
	if strings.Contains(name, "\\") {
		return "", fmt.Errorf("%q: backslash in a file name", name)
	}
	if strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("%q: NUL in a file name", name)
	}
	if path.IsAbs(name) {
		return "", fmt.Errorf("%q: absolute path", name)
	}
	c := path.Clean(name)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%q: path escapes the package", name)
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

func (t *tree) addDir(p string) {
	for p != "" && p != "." {
		t.dirs[p] = true
		p = parent(p)
	}
}

func (t *tree) count(p string) error {
	if _, dup := t.files[p]; dup {
		return fmt.Errorf("%s: duplicate entry", p)
	}
	if _, dup := t.links[p]; dup {
		return fmt.Errorf("%s: duplicate entry", p)
	}
	if _, dup := t.hard[p]; dup {
		return fmt.Errorf("%s: duplicate entry", p)
	}
	if len(t.files)+len(t.links)+len(t.hard) >= MaxFiles {
		return fmt.Errorf("more than %d files in the package", MaxFiles)
	}
	return nil
}

func (t *tree) addFile(p string, r io.Reader) error {
	if err := t.count(p); err != nil {
		return err
	}
	if t.caps != nil {
		return t.addCapped(p, r)
	}
	data, err := io.ReadAll(io.LimitReader(r, t.maxTotal-t.total+1))
	if err != nil {
		return fmt.Errorf("%s: read: %w", p, err)
	}
	t.total += int64(len(data))
	if t.total > t.maxTotal {
		return fmt.Errorf("package larger than %d MiB uncompressed", t.maxTotal>>20)
	}
	t.files[p] = data
	t.addDir(path.Dir(p))
	return nil
}

func (t *tree) addHardLink(p, target string) error {
	if err := t.count(p); err != nil {
		return err
	}
	t.hard[p] = target
	t.addDir(parent(p))
	return nil
}

func (t *tree) addLink(p, target string) error {
	if err := t.count(p); err != nil {
		return err
	}
	t.links[p] = target
	t.addDir(path.Dir(p))
	return nil
}

// resolve follows links from p to a regular file of the tree.
func (t *tree) resolve(p string) (string, error) {
	orig := p
	for hops := 0; ; hops++ {
		if _, ok := t.files[p]; ok {
			return p, nil
		}
		if target, ok := t.hard[p]; ok && hops < maxLinkHops {
			p = target
			continue
		}
		target, ok := t.links[p]
		if !ok {
			if t.dirs[p] {
				return "", fmt.Errorf("%s: symbolic link to a directory (only links to files are supported)", orig)
			}
			return "", fmt.Errorf("%s: dangling symbolic link", orig)
		}
		if hops >= maxLinkHops {
			return "", fmt.Errorf("%s: too many levels of symbolic links", orig)
		}
		if path.IsAbs(target) {
			return "", fmt.Errorf("%s: symbolic link to absolute path %q escapes the package", orig, target)
		}
		next := path.Join(path.Dir(p), target)
		if next == ".." || strings.HasPrefix(next, "../") {
			return "", fmt.Errorf("%s: symbolic link %q escapes the package", orig, target)
		}
		p = next
	}
}

// read returns the content of the file at p, following links inside the tree.
func (t *tree) read(p string) ([]byte, error) {
	r, err := t.resolve(p)
	if err != nil {
		return nil, err
	}
	return t.files[r], nil
}

// exists reports whether p is a file or a link.
func (t *tree) exists(p string) bool {
	_, f := t.files[p]
	_, l := t.links[p]
	_, h := t.hard[p]
	return f || l || h
}

// list returns the direct children of dir: file/link names and subdirectory names, sorted.
func (t *tree) list(dir string) (files, dirs []string) {
	for p := range t.files {
		if parent(p) == dir {
			files = append(files, path.Base(p))
		}
	}
	for _, m := range []map[string]string{t.links, t.hard} {
		for p := range m {
			if parent(p) == dir {
				files = append(files, path.Base(p))
			}
		}
	}
	for p := range t.dirs {
		if p != "" && parent(p) == dir {
			dirs = append(dirs, path.Base(p))
		}
	}
	sort.Strings(files)
	sort.Strings(dirs)
	return files, dirs
}

func parent(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

// subtree returns every file under dir (following links), keyed by path relative to dir.
func (t *tree) subtree(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	var errs []error
	prefix := dir + "/"
	for _, m := range []map[string]bool{keys(t.files), keysS(t.links), keysS(t.hard)} {
		for p := range m {
			if !strings.HasPrefix(p, prefix) {
				continue
			}
			data, err := t.read(p)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out[p[len(prefix):]] = data
		}
	}
	return out, errors.Join(errs...)
}

func keys(m map[string][]byte) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func keysS(m map[string]string) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// readDir reads a package directory. Symbolic links are recorded, not followed, and resolved
// later inside the tree; anything but regular files, directories and links is refused.
func readDir(root string) (*tree, error) {
	t := newTree()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name, err := cleanName(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		if name == "" {
			return nil
		}
		if strings.HasPrefix(path.Base(name), ".") { // .git, editor droppings
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch mode := d.Type(); {
		case mode.IsDir():
			t.addDir(name)
			return nil
		case mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return t.addLink(name, filepath.ToSlash(target))
		case mode.IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return t.addFile(name, f)
		default:
			return fmt.Errorf("%s: not a regular file, directory or symbolic link (%v)", name, mode)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read package %s: %w", root, err)
	}
	return t, nil
}
