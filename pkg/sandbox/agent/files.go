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
)

// ValidName reports whether name is a safe relative slash-separated path: no absolute paths, no
// "..", no empty or dot elements.
func ValidName(name string) error {
	if name == "" {
		return errors.New("empty file name")
	}
	if strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.ContainsRune(name, 0) {
		return fmt.Errorf("file name %q must be a relative slash-separated path", name)
	}
	for _, el := range strings.Split(name, "/") {
		if el == "" || el == "." || el == ".." {
			return fmt.Errorf("file name %q has an empty, . or .. element", name)
		}
	}
	return nil
}

// writeFiles creates files in a freshly wiped dir. Nothing of the program runs at this point and
// every open refuses to follow links or reuse an existing name, so nothing planted earlier could
// redirect a write.
func writeFiles(dir string, files map[string]File) error {
	for name, f := range files {
		if err := ValidName(name); err != nil {
			return err
		}
		full := filepath.Join(dir, filepath.FromSlash(name))
		if d := filepath.Dir(full); d != dir {
			if err := mkdirNoFollow(dir, path.Dir(name)); err != nil {
				return fmt.Errorf("create directory for %s: %w", name, err)
			}
		}
		mode := os.FileMode(f.Mode & 0o777)
		if mode == 0 {
			mode = 0o644
		}
		fd, err := syscall.Open(full, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, uint32(mode))
		if err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
		file := os.NewFile(uintptr(fd), full)
		_, err = file.Write(f.Data)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		// O_CREAT applies the umask; the mode must be exact (executables).
		if err := os.Chmod(full, mode); err != nil {
			return fmt.Errorf("chmod %s: %w", name, err)
		}
	}
	return nil
}

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
			if err := os.Mkdir(cur, 0o777); err != nil {
				return err
			}
			if err := os.Chmod(cur, 0o777); err != nil {
				return err
			}
		default:
			return err
		}
	}
	return nil
}

// collect reads the regular files under root/sub without following any link; links, FIFOs,
// devices and sockets the program may have planted are skipped, never opened.
func collect(root, sub string, max int64) (map[string]File, bool, error) {
	base := root
	if sub != "." {
		if err := ValidName(sub); err != nil {
			return nil, false, err
		}
		base = filepath.Join(root, filepath.FromSlash(sub))
		// Every element must be a real directory, not a link the program planted.
		rel := ""
		for _, el := range strings.Split(sub, "/") {
			rel = filepath.Join(rel, el)
			fi, err := os.Lstat(filepath.Join(root, rel))
			if errors.Is(err, os.ErrNotExist) {
				return map[string]File{}, false, nil
			}
			if err != nil {
				return nil, false, err
			}
			if !fi.IsDir() {
				// A link or file where the directory should be: there is nothing to collect.
				return map[string]File{}, false, nil
			}
		}
	}
	out := map[string]File{}
	var total int64
	tooLarge := false
	err := filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
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
		fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", rel, err)
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
		data, err := io.ReadAll(io.LimitReader(f, fi.Size()+1))
		if err != nil {
			return fmt.Errorf("read %s: %w", rel, err)
		}
		total += int64(len(data))
		out[filepath.ToSlash(rel)] = File{Data: data, Mode: uint32(fi.Mode().Perm())}
		return nil
	})
	if err != nil {
		return nil, tooLarge, err
	}
	return out, tooLarge, nil
}
