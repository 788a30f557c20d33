package judgectlcmd

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/srcfiles"
)

// buildDirs are folders of build outputs and dependencies that a submission never needs; they
// are skipped like hidden folders (.git, .idea), as a .gitignore usually does.
var buildDirs = []string{"build", "target", "out", "bin", "obj", "dist", "node_modules", "__pycache__", "venv", "cmake-build-debug"}

// buildExts are compiled outputs skipped wherever they are.
var buildExts = []string{".o", ".obj", ".a", ".so", ".class", ".jar", ".pyc", ".exe", ".dll", ".out"}

// folderCeiling bounds what judgectl reads of a folder before the server's caps (which it does
// not know: an operator may raise them) decide: many times the default caps, so a folder that
// is plainly not one program fails fast and without reading it all.
var folderCeiling = srcfiles.Caps{MaxFiles: 4 * srcfiles.DefaultCaps().MaxFiles, MaxBytes: 16 * srcfiles.DefaultCaps().MaxBytes}

// collectFolder reads the files of dir that make up a program, with slash-separated paths
// relative to dir, in path order. Hidden files and folders, build-output folders and compiled
// files are skipped, and so are names in skip (a grading scheme, a state file); links are
// skipped too, since the server keeps regular files only.
func collectFolder(dir string, skip ...string) ([]srcfiles.File, error) {
	var files []srcfiles.File
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		if p == dir {
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") || slices.Contains(skip, name) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if slices.Contains(buildDirs, name) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || slices.Contains(buildExts, strings.ToLower(filepath.Ext(name))) {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if msg := srcfiles.CheckPath(rel, srcfiles.DefaultCaps().MaxPathBytes); msg != "" {
			return fmt.Errorf("%s: %s; rename it or move it out of %s", p, msg, dir)
		}
		if len(files) == folderCeiling.MaxFiles {
			return fmt.Errorf("%s holds more than %d files: a submission takes at most %d by default (the server's max_submission_files); remove what the program does not need", dir, folderCeiling.MaxFiles, srcfiles.DefaultCaps().MaxFiles)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		if total += int64(len(data)); total > folderCeiling.MaxBytes {
			return fmt.Errorf("%s holds more than %d bytes of files: a submission takes at most %d by default (the server's max_submission_bytes); remove data and build outputs", dir, folderCeiling.MaxBytes, srcfiles.DefaultCaps().MaxBytes)
		}
		files = append(files, srcfiles.File{Path: rel, Data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no files to submit (hidden files and build outputs are skipped)", dir)
	}
	return files, nil
}

// folderLanguage picks the language with the most source files in files, as the judge's
// language table does for a package program; a tie is ambiguous.
func folderLanguage(langs []apiv1.Language, dir string, files []srcfiles.File) (string, error) {
	counts := map[string]int{}
	for _, f := range files {
		ext := strings.ToLower(filepath.Ext(f.Path))
		for _, l := range langs {
			if slices.Contains(l.Extensions, ext) {
				counts[l.ID]++
			}
		}
	}
	best, n, tie := "", 0, []string{}
	for _, l := range langs {
		switch c := counts[l.ID]; {
		case c > n:
			best, n, tie = l.ID, c, []string{l.ID}
		case c == n && c > 0:
			tie = append(tie, l.ID)
		}
	}
	switch {
	case n == 0:
		return "", fmt.Errorf("%s has no file with an extension of a language on the server: pass --lang (see `judgectl languages`)", dir)
	case len(tie) > 1:
		return "", fmt.Errorf("%s has equally many sources of %s: choose one with --lang", dir, strings.Join(tie, ", "))
	}
	return best, nil
}

// mainRE finds a program's entry point in a source file, per language family.
var mainRE = map[string]*regexp.Regexp{
	".c": regexp.MustCompile(`(?m)^\s*(?:int|void)\s+main\s*\(`), ".cpp": regexp.MustCompile(`(?m)^\s*(?:int|auto)\s+main\s*\(`),
	".cc": regexp.MustCompile(`(?m)^\s*(?:int|auto)\s+main\s*\(`), ".cxx": regexp.MustCompile(`(?m)^\s*(?:int|auto)\s+main\s*\(`),
	".java": regexp.MustCompile(`public\s+static\s+void\s+main\s*\(`), ".kt": regexp.MustCompile(`(?m)^\s*fun\s+main\s*\(`),
	".go": regexp.MustCompile(`(?m)^func\s+main\s*\(\s*\)`), ".rs": regexp.MustCompile(`(?m)^\s*fn\s+main\s*\(\s*\)`),
	".py": regexp.MustCompile(`(?m)^if\s+__name__\s*==\s*['"]__main__['"]`), ".cs": regexp.MustCompile(`static\s+(?:void|int)\s+Main\s*\(`),
	".scala": regexp.MustCompile(`def\s+main\s*\(`),
}

// detectEntry names the file of files that holds the entry point of language lang's sources
// (the one file with a main function, a main class, or Python's __main__ guard), or "" when
// none or several do: the server's rule (main.*, else the first source) decides then.
func detectEntry(langs []apiv1.Language, lang string, files []srcfiles.File) string {
	var exts []string
	for _, l := range langs {
		if l.ID == lang {
			exts = l.Extensions
		}
	}
	var found []string
	for _, f := range files {
		ext := strings.ToLower(filepath.Ext(f.Path))
		re := mainRE[ext]
		if re != nil && slices.Contains(exts, ext) && re.Match(f.Data) {
			found = append(found, f.Path)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return ""
}

// folderText is the text of a folder's sources of one language, each under a comment line
// naming it, for the similarity report.
func folderText(langs []apiv1.Language, lang string, files []srcfiles.File) string {
	var exts []string
	for _, l := range langs {
		if l.ID == lang {
			exts = l.Extensions
		}
	}
	var b strings.Builder
	for _, f := range files {
		if len(exts) == 0 || slices.Contains(exts, strings.ToLower(filepath.Ext(f.Path))) {
			fmt.Fprintf(&b, "// %s\n%s\n", f.Path, f.Data)
		}
	}
	return b.String()
}
