package problem

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// Archive formats Pack writes.
const (
	TarGz = "tar.gz"
	Zip   = "zip"
)

// zipEpoch is the earliest time zip can store; Pack uses it for every entry so that the same
// package always gives the same bytes.
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Pack writes the package in dir to w as a deterministic archive (format TarGz or Zip): entries
// in path order, no timestamps, owners or modes of the packer's machine. It validates the
// package first, so a broken package is never packed.
func Pack(w io.Writer, dir, format string) error {
	t, err := readDir(dir)
	if err != nil {
		return err
	}
	if _, err := load(t); err != nil {
		return err
	}
	return writeArchive(w, t, format)
}

func writeArchive(w io.Writer, t *tree, format string) error {
	var names []string
	for p := range t.files {
		names = append(names, p)
	}
	for p := range t.links {
		names = append(names, p)
	}
	sort.Strings(names)
	switch format {
	case TarGz:
		gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
		if err != nil {
			return err
		}
		tw := tar.NewWriter(gz)
		for _, n := range names {
			hdr := &tar.Header{Name: n, Mode: 0o644, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
			if target, ok := t.links[n]; ok {
				hdr.Typeflag, hdr.Linkname, hdr.Mode = tar.TypeSymlink, target, 0o777
			} else {
				hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(t.files[n]))
			}
			if err := tw.WriteHeader(hdr); err != nil {
				return fmt.Errorf("pack %s: %w", n, err)
			}
			if hdr.Typeflag == tar.TypeReg {
				if _, err := tw.Write(t.files[n]); err != nil {
					return fmt.Errorf("pack %s: %w", n, err)
				}
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
		return gz.Close()
	case Zip:
		zw := zip.NewWriter(w)
		for _, n := range names {
			hdr := &zip.FileHeader{Name: n, Method: zip.Deflate, Modified: zipEpoch}
			data := t.files[n]
			if target, ok := t.links[n]; ok {
				hdr.SetMode(fs.ModeSymlink | 0o777)
				data = []byte(target)
			} else {
				hdr.SetMode(0o644)
			}
			fw, err := zw.CreateHeader(hdr)
			if err != nil {
				return fmt.Errorf("pack %s: %w", n, err)
			}
			if _, err := fw.Write(data); err != nil {
				return fmt.Errorf("pack %s: %w", n, err)
			}
		}
		return zw.Close()
	default:
		return fmt.Errorf("unknown archive format %q (use %s or %s)", format, TarGz, Zip)
	}
}

// LoadArchive reads and validates a package from a tar.gz, tar or zip archive (detected from
// its first bytes). The archive may hold the package at its root or in one top-level directory.
// Entries that escape the package (absolute paths, "..", links pointing outside), device files,
// FIFOs and archives that decompress past MaxTotalBytes or hold more than MaxFiles entries are
// refused.
func LoadArchive(r io.Reader) (*Problem, error) {
	t, err := readArchive(r, MaxTotalBytes)
	if err != nil {
		return nil, err
	}
	return load(t)
}

func readArchive(r io.Reader, maxTotal int64) (*tree, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(4)
	var t *tree
	var err error
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		gz, gerr := gzip.NewReader(br)
		if gerr != nil {
			return nil, fmt.Errorf("read archive: gzip: %w", gerr)
		}
		t, err = readTar(gz, maxTotal)
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")) || bytes.HasPrefix(magic, []byte("PK\x05\x06")):
		data, rerr := io.ReadAll(io.LimitReader(br, maxTotal+1))
		if rerr != nil {
			return nil, fmt.Errorf("read archive: %w", rerr)
		}
		if int64(len(data)) > maxTotal {
			return nil, fmt.Errorf("read archive: larger than %d MiB", maxTotal>>20)
		}
		t, err = readZip(data, maxTotal)
	default:
		t, err = readTar(br, maxTotal)
	}
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	return stripTopDir(t), nil
}

func readTar(r io.Reader, maxTotal int64) (*tree, error) {
	t := newTree()
	t.maxTotal = maxTotal
	return readTarInto(t, r)
}

func readTarInto(t *tree, r io.Reader) (*tree, error) {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if len(t.files)+len(t.links) == 0 {
				return nil, fmt.Errorf("empty archive, or not a tar.gz, tar or zip file")
			}
			return t, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not a valid tar.gz, tar or zip file: %w", err)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name, err := cleanName(hdr.Name)
		if err != nil {
			return nil, err
		}
		if name == "" {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			t.addDir(name)
		case tar.TypeReg:
			err = t.addFile(name, tr)
		case tar.TypeSymlink:
			err = t.addLink(name, hdr.Linkname)
		case tar.TypeLink:
			target, cerr := cleanName(hdr.Linkname)
			if cerr != nil {
				return nil, fmt.Errorf("%s: hard link: %w", name, cerr)
			}
			err = t.addHardLink(name, target)
		default:
			return nil, fmt.Errorf("%s: unsupported entry type %q (only files, directories and links)", name, hdr.Typeflag)
		}
		if err != nil {
			return nil, err
		}
	}
}

func readZip(data []byte, maxTotal int64) (*tree, error) {
	t := newTree()
	t.maxTotal = maxTotal
	return readZipInto(t, bytes.NewReader(data), int64(len(data)))
}

func readZipInto(t *tree, ra io.ReaderAt, size int64) (*tree, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("not a valid zip file: %w", err)
	}
	for _, f := range zr.File {
		name, err := cleanName(f.Name)
		if err != nil {
			return nil, err
		}
		if name == "" {
			continue
		}
		mode := f.Mode()
		switch {
		case mode.IsDir():
			t.addDir(name)
			continue
		case mode&fs.ModeSymlink != 0:
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			target, err := io.ReadAll(io.LimitReader(rc, 4096))
			rc.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			err = t.addLink(name, string(target))
			if err != nil {
				return nil, err
			}
		case mode.IsRegular():
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			err = t.addFile(name, rc)
			rc.Close()
			if err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%s: unsupported entry mode %v (only files, directories and links)", name, mode)
		}
	}
	return t, nil
}

// stripTopDir re-roots a tree whose only top-level entry is a directory holding problem.yaml.
func stripTopDir(t *tree) *tree {
	files, dirs := t.list("")
	if len(files) > 0 || len(dirs) != 1 || !t.exists(dirs[0]+"/problem.yaml") {
		return t
	}
	prefix := dirs[0] + "/"
	out := newTree()
	out.total, out.maxTotal, out.caps, out.mem = t.total, t.maxTotal, t.caps, t.mem
	for p, f := range t.spilled {
		out.spilled[strings.TrimPrefix(p, prefix)] = f
	}
	for p, d := range t.files {
		out.files[strings.TrimPrefix(p, prefix)] = d
		out.addDir(parent(strings.TrimPrefix(p, prefix)))
	}
	for p, l := range t.links {
		out.links[strings.TrimPrefix(p, prefix)] = l
		out.addDir(parent(strings.TrimPrefix(p, prefix)))
	}
	for p, h := range t.hard {
		if !strings.HasPrefix(h, prefix) {
			h = "../" + h // now outside the package: resolve reports it
		}
		out.hard[strings.TrimPrefix(p, prefix)] = strings.TrimPrefix(h, prefix)
		out.addDir(parent(strings.TrimPrefix(p, prefix)))
	}
	for p := range t.dirs {
		if strings.HasPrefix(p, prefix) {
			out.addDir(strings.TrimPrefix(p, prefix))
		}
	}
	return out
}
