package problem

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// Caps bound a package archive while it is unpacked, so that what an upload costs is known
// before it is paid: every byte is counted as it is decompressed, and a cap crossed stops the
// unpacking at once with a *LimitError (a gzip bomb costs the cap, not its expansion).
type Caps struct {
	// MaxFileBytes caps one file, decompressed.
	MaxFileBytes int64
	// MaxTotalBytes caps the sum of all files, decompressed.
	MaxTotalBytes int64
	// MaxMemoryBytes caps the sum of the files kept in memory: everything but spilled test data.
	MaxMemoryBytes int64
	// SpillDir receives test data (*.in and *.ans under data/) as files, instead of memory;
	// the caller creates it and removes it with everything in it. Empty keeps all in memory.
	SpillDir string
}

// LimitError is an archive crossing one of its Caps.
type LimitError struct {
	// Cap is "file", "total" or "memory": which of Caps was crossed.
	Cap string
	// Limit is the cap's value in bytes.
	Limit int64
	// Path is the file being unpacked when it was crossed.
	Path string
}

func (e *LimitError) Error() string {
	switch e.Cap {
	case "file":
		return fmt.Sprintf("%s: larger than the cap of %d bytes per file, decompressed", e.Path, e.Limit)
	case "memory":
		return fmt.Sprintf("%s: the package's files other than test data exceed %d bytes, decompressed", e.Path, e.Limit)
	}
	return fmt.Sprintf("%s: the package exceeds %d bytes decompressed", e.Path, e.Limit)
}

// LoadArchiveFile is LoadArchive for an archive that can be read at random (a file), within
// caps: zip archives are read in place, tar archives streamed, and test data is spilled to
// caps.SpillDir. Tests of the result then carry InputFile and AnswerFile instead of bytes.
func LoadArchiveFile(ra io.ReaderAt, size int64, caps Caps) (*Problem, error) {
	t := newTree()
	t.caps = &caps
	t.maxTotal = caps.MaxTotalBytes
	magic := make([]byte, 4)
	n, _ := ra.ReadAt(magic, 0)
	magic = magic[:n]
	var err error
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		gz, gerr := gzip.NewReader(bufio.NewReader(io.NewSectionReader(ra, 0, size)))
		if gerr != nil {
			return nil, fmt.Errorf("read archive: gzip: %w", gerr)
		}
		t, err = readTarInto(t, gz)
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")) || bytes.HasPrefix(magic, []byte("PK\x05\x06")):
		t, err = readZipInto(t, ra, size)
	default:
		t, err = readTarInto(t, bufio.NewReader(io.NewSectionReader(ra, 0, size)))
	}
	if err != nil {
		var lim *LimitError
		if errors.As(err, &lim) {
			return nil, lim
		}
		return nil, fmt.Errorf("read archive: %w", err)
	}
	return load(stripTopDir(t))
}

// spills reports whether the file at p goes to disk: test data, the only part of a package
// that is large by nature. The archive may hold the package in one top-level directory, not
// stripped yet.
func (t *tree) spills(p string) bool {
	if t.caps.SpillDir == "" || !(strings.HasSuffix(p, ".in") || strings.HasSuffix(p, ".ans")) {
		return false
	}
	if _, rest, ok := strings.Cut(p, "/"); ok && strings.HasPrefix(rest, "data/") {
		return true
	}
	return strings.HasPrefix(p, "data/")
}

// addCapped adds a file within t.caps, counting its bytes as they are decompressed.
func (t *tree) addCapped(p string, r io.Reader) error {
	c := t.caps
	limit, which := c.MaxFileBytes, &LimitError{Cap: "file", Limit: c.MaxFileBytes, Path: p}
	if left := c.MaxTotalBytes - t.total; left < limit {
		limit, which = left, &LimitError{Cap: "total", Limit: c.MaxTotalBytes, Path: p}
	}
	spill := t.spills(p)
	if left := c.MaxMemoryBytes - t.mem; !spill && left < limit {
		limit, which = left, &LimitError{Cap: "memory", Limit: c.MaxMemoryBytes, Path: p}
	}
	limit = max(limit, 0)
	var n int64
	if spill {
		f, err := os.CreateTemp(c.SpillDir, "data-*-"+path.Base(p))
		if err != nil {
			return fmt.Errorf("%s: spill to disk: %w", p, err)
		}
		n, err = io.Copy(f, io.LimitReader(r, limit+1))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: read: %w", p, err)
		}
		t.spilled[p] = f.Name()
		t.files[p] = nil
	} else {
		data, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err != nil {
			return fmt.Errorf("%s: read: %w", p, err)
		}
		n = int64(len(data))
		t.mem += n
		t.files[p] = data
	}
	if n > limit {
		return which
	}
	t.total += n
	t.addDir(path.Dir(p))
	return nil
}

// spillPath is the file on disk holding the content of p (following links), or "".
func (t *tree) spillPath(p string) string {
	r, err := t.resolve(p)
	if err != nil {
		return ""
	}
	return t.spilled[r]
}
