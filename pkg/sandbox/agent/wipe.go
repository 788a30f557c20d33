package agent

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// wipe restores a clean container: no process but the agent, empty writable directories (but
// for the kept program files in the work directory), no SysV IPC objects. It then checks each of
// those, so a failure is reported rather than carried into the next run.
func (a *Agent) wipe() error {
	var errs []error
	if err := killRest(nil); err != nil {
		errs = append(errs, err)
	}
	for _, dir := range a.cfg.WipeDirs {
		var err error
		if dir == a.cfg.WorkDir && len(a.kept) > 0 {
			if err = wipeKeeping(dir, "", a.kept); err != nil {
				// A kept file changed although the program cannot touch it: trust nothing.
				a.programID, a.kept = "", nil
				err = errors.Join(fmt.Errorf("kept program files: %w", err), emptyDir(dir))
			}
		} else {
			err = emptyDir(dir)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := a.removeIPC(); err != nil {
		errs = append(errs, err)
	}
	if n := signalOthers(0); n > 0 {
		errs = append(errs, fmt.Errorf("%d processes still present after wipe", n))
	}
	return errors.Join(errs...)
}

// emptyDir removes everything inside dir (never following links) and checks it is empty.
func emptyDir(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	if len(names) == 0 {
		return nil
	}
	for _, n := range names {
		if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
			return fmt.Errorf("wipe %s: %w", dir, err)
		}
	}
	f, err = os.Open(dir)
	if err != nil {
		return fmt.Errorf("reopen %s: %w", dir, err)
	}
	defer f.Close()
	if left, _ := f.Readdirnames(1); len(left) > 0 {
		return fmt.Errorf("%s not empty after wipe: %s", dir, left[0])
	}
	return nil
}

// wipeKeeping removes everything under dir/rel but the kept files (and the directories that
// lead to them), and checks each kept file is still the very file the agent wrote.
func wipeKeeping(dir, rel string, kept map[string]keptFile) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return err
	}
	for _, n := range names {
		name := n
		if rel != "" {
			name = rel + "/" + n
		}
		full := filepath.Join(dir, filepath.FromSlash(name))
		fi, err := os.Lstat(full)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if k, ok := kept[name]; ok {
			if !fi.Mode().IsRegular() || st.Uid != 0 || st.Dev != k.dev || st.Ino != k.ino || fi.Size() != k.size || uint32(fi.Mode()) != k.mode {
				return fmt.Errorf("%s is not the file the agent wrote", name)
			}
			continue
		}
		if keptUnder(kept, name) {
			if !fi.IsDir() || st.Uid != 0 {
				return fmt.Errorf("%s is no longer the agent's directory", name)
			}
			if err := wipeKeeping(dir, name, kept); err != nil {
				return err
			}
			continue
		}
		if err := os.RemoveAll(full); err != nil {
			return fmt.Errorf("wipe %s: %w", name, err)
		}
	}
	if rel == "" && countPresent(dir, kept) != len(kept) {
		return errors.New("a kept file is missing")
	}
	return nil
}

func keptUnder(kept map[string]keptFile, dir string) bool {
	for name := range kept {
		if strings.HasPrefix(name, dir+"/") {
			return true
		}
	}
	return false
}

// countPresent counts the kept files present (a missing one means something removed it).
func countPresent(dir string, kept map[string]keptFile) int {
	n := 0
	for name := range kept {
		if fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); err == nil && fi.Mode().IsRegular() {
			n++
		}
	}
	return n
}

// ipcObject is one SysV IPC object listed in /proc/sysvipc.
type ipcObject struct {
	kind string // shm, sem, msg
	id   int
	uid  int
}

// removeIPC deletes SysV IPC objects left by programs. IPC_RMID needs the owner's uid (or
// CAP_SYS_ADMIN, which the agent does not hold), so the agent switches its effective uid to the
// run user for the removal and back; POSIX IPC lives in /dev/shm and /dev/mqueue, wiped as files.
func (a *Agent) removeIPC() error {
	objs, err := listIPC()
	if err != nil || len(objs) == 0 {
		return err
	}
	euid := os.Geteuid()
	if euid != a.cfg.UID {
		if err := syscall.Setresuid(-1, a.cfg.UID, -1); err != nil {
			return fmt.Errorf("switch to uid %d to remove IPC objects: %w", a.cfg.UID, err)
		}
		defer func() { _ = syscall.Setresuid(-1, euid, -1) }()
	}
	for _, o := range objs {
		var nr uintptr
		switch o.kind {
		case "shm":
			nr = syscall.SYS_SHMCTL
		case "sem":
			nr = syscall.SYS_SEMCTL
		case "msg":
			nr = syscall.SYS_MSGCTL
		}
		if o.kind == "sem" {
			_, _, _ = syscall.Syscall6(nr, uintptr(o.id), 0, 0 /* IPC_RMID */, 0, 0, 0)
		} else {
			_, _, _ = syscall.Syscall(nr, uintptr(o.id), 0 /* IPC_RMID */, 0)
		}
	}
	if euid != a.cfg.UID {
		_ = syscall.Setresuid(-1, euid, -1)
	}
	left, err := listIPC()
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("%d SysV IPC objects survive removal (first: %s %d of uid %d)", len(left), left[0].kind, left[0].id, left[0].uid)
	}
	return nil
}

func listIPC() ([]ipcObject, error) {
	// Column of the owner uid in each table.
	uidCol := map[string]int{"shm": 7, "sem": 4, "msg": 7}
	var out []ipcObject
	for _, kind := range []string{"shm", "sem", "msg"} {
		f, err := os.Open("/proc/sysvipc/" + kind)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list SysV %s: %w", kind, err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 4096), 1<<20)
		first := true
		for sc.Scan() {
			if first {
				first = false
				continue
			}
			fields := strings.Fields(sc.Text())
			if len(fields) <= uidCol[kind] {
				continue
			}
			id, _ := strconv.Atoi(fields[1])
			uid, _ := strconv.Atoi(fields[uidCol[kind]])
			out = append(out, ipcObject{kind: kind, id: id, uid: uid})
		}
		f.Close()
	}
	return out, nil
}
