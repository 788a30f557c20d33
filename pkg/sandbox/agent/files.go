package agent

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// ValidName reports whether name is a safe relative slash-separated path that every host can
// store and show: no absolute paths, no "..", no empty or dot elements, no backslash, valid
// UTF-8 without control characters.
func ValidName(name string) error {
	if name == "" {
		return errors.New("empty file name")
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("file name %q is not valid UTF-8", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("file name %q has a control character", name)
		}
	}
	if strings.HasPrefix(name, "/") || strings.Contains(name, "\\") {
		return fmt.Errorf("file name %q must be a relative slash-separated path", name)
	}
	for _, el := range strings.Split(name, "/") {
		if el == "" || el == "." || el == ".." {
			return fmt.Errorf("file name %q has an empty, . or .. element", name)
		}
	}
	return nil
}

// keptFile identifies a program file the agent leaves in the work directory between runs.
type keptFile struct {
	dev, ino uint64
	size     int64
	mode     uint32
}

// writeFile creates one file in a freshly wiped dir from the next h.Size bytes of r. Nothing of
// the program runs at this point and every open refuses to follow links or reuse an existing
// name, so nothing planted earlier could redirect a write. The file is root's: a program (another
// uid, no capabilities) can read and run it but not change, rename or delete it.
func writeFile(dir string, h FileHeader, r io.Reader, buf []byte) (keptFile, error) {
	if err := ValidName(h.Name); err != nil {
		return keptFile{}, err
	}
	full := filepath.Join(dir, filepath.FromSlash(h.Name))
	if d := path.Dir(h.Name); d != "." {
		if err := mkdirNoFollow(dir, d); err != nil {
			return keptFile{}, fmt.Errorf("create directory for %s: %w", h.Name, err)
		}
	}
	mode := os.FileMode(h.Mode & 0o777)
	if mode == 0 {
		mode = 0o644
	}
	fd, err := syscall.Open(full, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, uint32(mode))
	if err != nil {
		return keptFile{}, fmt.Errorf("create %s: %w", h.Name, err)
	}
	file := os.NewFile(uintptr(fd), full)
	defer file.Close()
	if _, err := io.CopyBuffer(onlyWriter{file}, io.LimitReader(r, h.Size), buf); err != nil {
		return keptFile{}, fmt.Errorf("write %s: %w", h.Name, err)
	}
	// O_CREAT applies the umask; the mode must be exact (executables).
	if err := file.Chmod(mode); err != nil {
		return keptFile{}, fmt.Errorf("chmod %s: %w", h.Name, err)
	}
	fi, err := file.Stat()
	if err != nil {
		return keptFile{}, err
	}
	if fi.Size() != h.Size {
		return keptFile{}, fmt.Errorf("write %s: %d of %d bytes arrived", h.Name, fi.Size(), h.Size)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return keptFile{dev: st.Dev, ino: st.Ino, size: fi.Size(), mode: uint32(fi.Mode())}, nil
}

// onlyWriter hides ReadFrom, so io.CopyBuffer uses the bounded buffer given to it.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// dirMode is the mode of directories the agent makes for files: the program may add files there
// (a compiler writing next to its source) but, being sticky, not remove or rename root's.
const dirMode = 0o777 | os.ModeSticky

func mkdirNoFollow(root, rel string) error {
	cur := root
	for _, el := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, el)
		fi, err := os.Lstat(cur)
		switch {
		case err == nil && fi.IsDir():
			continue
		case err == nil:
			return fmt.Errorf("%s exists and is not a directory", cur)
		case errors.Is(err, os.ErrNotExist):
			if err := os.Mkdir(cur, 0o700); err != nil {
				return err
			}
			if err := os.Chmod(cur, dirMode); err != nil {
				return err
			}
		default:
			return err
		}
	}
	return nil
}

// collect sends the regular files under root/sub without following any link; links, FIFOs,
// devices and sockets the program may have planted are skipped, never opened. Files whose names
// fail ValidName are reported, not sent. It stops at the first file that would take the total
// past max.
func collect(root, sub string, max int64, send func(FileHeader, *os.File) error) (tooLarge bool, bad []string, err error) {
	base := root
	if sub != "." {
		if err := ValidName(sub); err != nil {
			return false, nil, err
		}
		base = filepath.Join(root, filepath.FromSlash(sub))
		// Every element must be a real directory, not a link the program planted.
		rel := ""
		for _, el := range strings.Split(sub, "/") {
			rel = filepath.Join(rel, el)
			fi, err := os.Lstat(filepath.Join(root, rel))
			if errors.Is(err, os.ErrNotExist) {
				return false, nil, nil
			}
			if err != nil {
				return false, nil, err
			}
			if !fi.IsDir() {
				// A link or file where the directory should be: there is nothing to collect.
				return false, nil, nil
			}
		}
	}
	var total int64
	err = filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil // directories are walked (WalkDir never follows links), the rest skipped
		}
		rel, err := filepath.Rel(base, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if ValidName(name) != nil {
			if len(bad) < 16 {
				bad = append(bad, name)
			}
			return nil
		}
		fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", name, err)
		}
		f := os.NewFile(uintptr(fd), p)
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		if max > 0 && total+fi.Size() > max {
			tooLarge = true
			return filepath.SkipAll
		}
		total += fi.Size()
		return send(FileHeader{Name: name, Mode: uint32(fi.Mode().Perm()), Size: fi.Size()}, f)
	})
	return tooLarge, bad, err
}
