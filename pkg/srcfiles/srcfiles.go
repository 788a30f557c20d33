// Package srcfiles owns a submission of several files: the rules a file's path must follow, the
// caps on how many files and bytes one submission may carry, the canonical hash of a file set,
// and the unpacking of a zip archive of files (Judge0's additional_files) under those caps. The
// API validates with it, judgectl collects a folder with it, and the worker decodes what was
// stored; it imports nothing of the server, so all three agree on the same rules.
package srcfiles

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// File is one file of a submission: a path relative to the work directory and its bytes.
type File struct {
	Path string `json:"path"`
	Data []byte `json:"data"`
}

// Caps bound a submission of several files. Zero fields take DefaultCaps' values.
type Caps struct {
	// MaxFiles caps the number of files.
	MaxFiles int
	// MaxBytes caps the sum of the files' sizes (decompressed, for an archive).
	MaxBytes int64
	// MaxPathBytes caps the length of one path.
	MaxPathBytes int
}

// DefaultCaps are the caps of a server that is not told otherwise: a student project with a few
// dozen sources and headers fits, a vendored dependency tree does not.
func DefaultCaps() Caps {
	return Caps{MaxFiles: 64, MaxBytes: 512 << 10, MaxPathBytes: 255}
}

// WithDefaults fills the zero fields of c from DefaultCaps.
func (c Caps) WithDefaults() Caps {
	d := DefaultCaps()
	if c.MaxFiles <= 0 {
		c.MaxFiles = d.MaxFiles
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = d.MaxBytes
	}
	if c.MaxPathBytes <= 0 {
		c.MaxPathBytes = d.MaxPathBytes
	}
	return c
}

// Problem is what is wrong with one file (Path) or with the set as a whole (Path empty).
type Problem struct {
	Path string
	// TooLarge marks a cap exceeded (the API answers 413 rather than 422 for it).
	TooLarge bool
	Msg      string
}

func (p *Problem) Error() string {
	if p.Path == "" {
		return p.Msg
	}
	return fmt.Sprintf("file %q: %s", p.Path, p.Msg)
}

// CheckPath says what is wrong with p as a submission file's path, or "" when it is usable: a
// relative slash-separated path of valid UTF-8 without NUL or control characters, no empty, "."
// or ".." element, no backslash, at most maxBytes long. A path that passes can be written under
// the sandbox's work directory as it is, on every host.
func CheckPath(p string, maxBytes int) string {
	switch {
	case p == "":
		return "the path is empty"
	case len(p) > maxBytes:
		return fmt.Sprintf("the path is %d bytes, more than the limit of %d", len(p), maxBytes)
	case !utf8.ValidString(p):
		return "the path is not valid UTF-8"
	case strings.IndexByte(p, 0) >= 0:
		return "the path contains a NUL character"
	case strings.ContainsFunc(p, unicode.IsControl):
		return "the path contains a control character"
	case strings.HasPrefix(p, "/"):
		return "the path is absolute; give it relative to the submission's root (src/main.c)"
	case strings.Contains(p, "\\"):
		return "the path contains a backslash; separate directories with /"
	}
	for _, el := range strings.Split(p, "/") {
		switch el {
		case "":
			return "the path has an empty element (// or a trailing /)"
		case ".", "..":
			return fmt.Sprintf("the path has a %q element; paths stay inside the submission", el)
		}
	}
	return ""
}

// Check validates a file set against caps and returns every problem found, in path order: bad
// paths, duplicates, a path that is also another's directory, too many files, too many bytes.
func Check(files []File, caps Caps) []*Problem {
	caps = caps.WithDefaults()
	var out []*Problem
	if len(files) == 0 {
		return []*Problem{{Msg: "no files: give at least one"}}
	}
	if len(files) > caps.MaxFiles {
		out = append(out, &Problem{TooLarge: true, Msg: fmt.Sprintf("%d files, more than the limit of %d", len(files), caps.MaxFiles)})
	}
	seen := make(map[string]bool, len(files))
	var total int64
	for _, f := range files {
		total += int64(len(f.Data))
		if msg := CheckPath(f.Path, caps.MaxPathBytes); msg != "" {
			out = append(out, &Problem{Path: f.Path, Msg: msg})
			continue
		}
		if seen[f.Path] {
			out = append(out, &Problem{Path: f.Path, Msg: "given twice; every path must be unique"})
		}
		seen[f.Path] = true
	}
	// A file "a" and a file "a/b" cannot both exist in a directory tree.
	for p := range seen {
		for dir := p; ; {
			i := strings.LastIndexByte(dir, '/')
			if i < 0 {
				break
			}
			dir = dir[:i]
			if seen[dir] {
				out = append(out, &Problem{Path: dir, Msg: fmt.Sprintf("is a file, but %q puts a file inside it", p)})
			}
		}
	}
	if total > caps.MaxBytes {
		out = append(out, &Problem{TooLarge: true, Msg: fmt.Sprintf("the files hold %d bytes, more than the limit of %d", total, caps.MaxBytes)})
	}
	slices.SortStableFunc(out, func(a, b *Problem) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// Hash is the SHA-256 of a file set and its entry in a canonical form (paths sorted, every part
// length-prefixed), so the same program hashes the same whatever order its files came in.
func Hash(files []File, entry string) string {
	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	h := sha256.New()
	var n [8]byte
	write := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	write([]byte("files/v1"))
	write([]byte(entry))
	for _, f := range sorted {
		write([]byte(f.Path))
		write(f.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Map returns the files by path.
func Map(files []File) map[string][]byte {
	m := make(map[string][]byte, len(files))
	for _, f := range files {
		m[f.Path] = f.Data
	}
	return m
}

// ErrNotZip is returned by Unzip for data that is not a zip archive.
var ErrNotZip = errors.New("not a zip archive")

// Unzip reads the regular files of a zip archive under caps: the entry count is checked against
// MaxFiles before anything is decompressed, and bytes are counted while they decompress, so an
// archive that claims small sizes and expands (a zip bomb) stops at MaxBytes, not after it
// expanded. Directories are skipped; links, devices and bad paths are problems naming the entry.
// The files are returned in archive order; the caller still runs Check on them.
func Unzip(data []byte, caps Caps) ([]File, error) {
	caps = caps.WithDefaults()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotZip, err)
	}
	// Every entry costs memory for its header even when it is a directory: cap them all, with
	// room for the directories of MaxFiles files.
	if n := len(zr.File); n > 2*caps.MaxFiles {
		return nil, &Problem{TooLarge: true, Msg: fmt.Sprintf("the archive has %d entries, more than the limit of %d files", n, caps.MaxFiles)}
	}
	var out []File
	var total int64
	for _, zf := range zr.File {
		name := zf.Name
		mode := zf.Mode()
		switch {
		case mode.IsDir() || strings.HasSuffix(name, "/"):
			continue
		case !mode.IsRegular():
			return nil, &Problem{Path: name, Msg: fmt.Sprintf("is a %s, not a regular file; archives may hold only files and directories", modeName(mode))}
		}
		if msg := CheckPath(name, caps.MaxPathBytes); msg != "" {
			return nil, &Problem{Path: name, Msg: msg}
		}
		if len(out) == caps.MaxFiles {
			return nil, &Problem{TooLarge: true, Msg: fmt.Sprintf("the archive holds more than the limit of %d files", caps.MaxFiles)}
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, &Problem{Path: name, Msg: fmt.Sprintf("cannot be read from the archive: %v", err)}
		}
		// Read one byte past what is left, so a file that would cross the cap is noticed
		// without holding more than the cap.
		b, err := io.ReadAll(io.LimitReader(rc, caps.MaxBytes-total+1))
		rc.Close()
		if err != nil {
			return nil, &Problem{Path: name, Msg: fmt.Sprintf("cannot be decompressed: %v", err)}
		}
		total += int64(len(b))
		if total > caps.MaxBytes {
			return nil, &Problem{Path: name, TooLarge: true, Msg: fmt.Sprintf("the archive's files hold more than the limit of %d bytes once decompressed", caps.MaxBytes)}
		}
		out = append(out, File{Path: name, Data: b})
	}
	return out, nil
}

func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file (" + m.String() + ")"
}
