// Package cgroup reads, and where allowed resets, the kernel's accounting of one control group
// (CPU time, memory in use, the memory peak and OOM kills) and sets its memory and process
// limits. It hides the difference between cgroup v1 (one hierarchy per controller:
// memory.max_usage_in_bytes, cpuacct.usage, memory.oom_control) and v2 (one unified hierarchy:
// memory.peak, cpu.stat, memory.events).
//
// The sandbox's agent reads its container's group from inside (read-only there); the host resets
// the memory peak before every run and sets the limits a run needs, because only it can write
// the group's files.
package cgroup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Group is one control group's counters. The zero Group has no counters: every read fails.
type Group struct {
	// V2 says the counters are those of the unified hierarchy.
	V2 bool
	// MemoryDir, CPUDir and PidsDir are the group's directories in the memory, cpuacct and
	// pids hierarchies (v1), or all its one directory (v2). PidsDir is only needed by SetLimits.
	MemoryDir, CPUDir, PidsDir string
}

// ErrNoGroup is returned by reads of a Group that was not found.
var ErrNoGroup = errors.New("no cgroup counters")

// Locate finds the group of the process whose /proc/PID/cgroup is procCgroup, given the
// mountinfo of the reading process. root is prefixed to every path (tests point it at a
// recorded tree; "/" or "" in production). Both v1 controllers are preferred over a v2 mount
// when present (hybrid hosts mount an empty unified hierarchy next to v1).
func Locate(root string, procCgroup, mountinfo []byte) (Group, error) {
	mounts := parseMountinfo(mountinfo)
	paths := map[string]string{} // controller ("" = v2) → group path
	for _, line := range strings.Split(strings.TrimSpace(string(procCgroup)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			paths[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			paths[c] = parts[2]
		}
	}
	dir := func(controller string) string {
		p, ok := paths[controller]
		if !ok {
			return ""
		}
		for _, m := range mounts {
			if controller == "" && m.fstype != "cgroup2" || controller != "" && (m.fstype != "cgroup" || !m.has(controller)) {
				continue
			}
			rel := p
			if m.root != "/" {
				r, ok := strings.CutPrefix(p, m.root)
				if !ok || r != "" && !strings.HasPrefix(r, "/") {
					continue
				}
				rel = r
			}
			return filepath.Join(root, m.point, rel)
		}
		return ""
	}
	if mem, cpu := dir("memory"), dir("cpuacct"); mem != "" && cpu != "" {
		return Group{MemoryDir: mem, CPUDir: cpu, PidsDir: dir("pids")}, nil
	}
	if d := dir(""); d != "" {
		if _, err := os.Stat(filepath.Join(d, "memory.current")); err == nil {
			return Group{V2: true, MemoryDir: d, CPUDir: d, PidsDir: d}, nil
		}
	}
	return Group{}, fmt.Errorf("%w: no memory and cpuacct (v1) or memory-enabled unified (v2) group in %q", ErrNoGroup, strings.TrimSpace(string(procCgroup)))
}

// Self locates the calling process's own group.
func Self() (Group, error) {
	return LocatePID("self")
}

// LocatePID locates the group of a process as this process sees it ("self" or a number).
func LocatePID(pid string) (Group, error) {
	cg, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		return Group{}, fmt.Errorf("%w: %v", ErrNoGroup, err)
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return Group{}, fmt.Errorf("%w: %v", ErrNoGroup, err)
	}
	return Locate("", cg, mi)
}

type mount struct {
	root, point, fstype string
	opts                []string
}

func (m mount) has(controller string) bool {
	for _, o := range m.opts {
		if o == controller {
			return true
		}
	}
	return false
}

// parseMountinfo keeps the cgroup mounts of a /proc/PID/mountinfo.
func parseMountinfo(b []byte) []mount {
	var out []mount
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 3 || (g[0] != "cgroup" && g[0] != "cgroup2") {
			continue
		}
		out = append(out, mount{root: f[3], point: unescape(f[4]), fstype: g[0], opts: strings.Split(g[2], ",")})
	}
	return out
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// counter names one of the group's counters.
type counter int

const (
	cpuCounter counter = iota
	usageCounter
	peakCounter
	oomCounter
	numCounters
)

// source is the file a counter is read from, and its key for flat keyed files (cpu.stat,
// memory.events, memory.oom_control; "" for a file holding one number).
func (g Group) source(c counter) (path, key string, err error) {
	dir, name := g.MemoryDir, ""
	switch c {
	case cpuCounter:
		dir, name = g.CPUDir, "cpuacct.usage"
		if g.V2 {
			name, key = "cpu.stat", "usage_usec"
		}
	case usageCounter:
		name = "memory.usage_in_bytes"
		if g.V2 {
			name = "memory.current"
		}
	case peakCounter:
		name = "memory.max_usage_in_bytes"
		if g.V2 {
			name = "memory.peak"
		}
	case oomCounter:
		name, key = "memory.oom_control", "oom_kill"
		if g.V2 {
			name = "memory.events"
		}
	}
	if dir == "" {
		return "", "", ErrNoGroup
	}
	return filepath.Join(dir, name), key, nil
}

// read reads a counter once, opening its file.
func (g Group) read(c counter) (int64, error) {
	path, key, err := g.source(c)
	if err != nil {
		return 0, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return parseCounter(b, path, key)
}

// cpuTime converts the CPU counter's unit (v1 nanoseconds, v2 microseconds).
func (g Group) cpuTime(n int64) time.Duration {
	if g.V2 {
		return time.Duration(n) * time.Microsecond
	}
	return time.Duration(n)
}

// CPU is the group's total CPU time (user+system of every process ever in it).
func (g Group) CPU() (time.Duration, error) {
	n, err := g.read(cpuCounter)
	return g.cpuTime(n), err
}

// Usage is the memory the group is charged now (anonymous, page cache, tmpfs, kernel).
func (g Group) Usage() (int64, error) { return g.read(usageCounter) }

// Peak is the group's memory high-water mark since it was made or last reset (v1), or since it
// was made (v2; a reset peak is only seen through the PeakWatch that reset it).
func (g Group) Peak() (int64, error) { return g.read(peakCounter) }

// OOMKills counts the processes the group's OOM killer has killed.
func (g Group) OOMKills() (int64, error) { return g.read(oomCounter) }

// Counters reads the same counters as Group through files it keeps open, each read one pread
// at offset 0 (the kernel regenerates a control file's text on every read from its start).
// The sandbox's agent reads them several times per run: opening, registering and closing a
// file each time was a large share of its own CPU. Not safe for concurrent use.
type Counters struct {
	g     Group
	fds   [numCounters]int // -1: not opened (yet)
	paths [numCounters]string
	keys  [numCounters]string
	buf   [512]byte
}

// Open returns the group's counters with their files opened on first use. A nil *Counters has
// no counters, like the zero Group.
func (g Group) Open() *Counters {
	c := &Counters{g: g}
	for i := range c.fds {
		c.fds[i] = -1
	}
	return c
}

func (c *Counters) read(k counter) (int64, error) {
	if c == nil {
		return 0, ErrNoGroup
	}
	if c.fds[k] < 0 {
		path, key, err := c.g.source(k)
		if err != nil {
			return 0, err
		}
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			// Opened again on the next read: a missing file stays an error, as with Group.
			return 0, &os.PathError{Op: "open", Path: path, Err: err}
		}
		c.fds[k], c.paths[k], c.keys[k] = fd, path, key
	}
	n, err := unix.Pread(c.fds[k], c.buf[:], 0)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", c.paths[k], err)
	}
	if n == len(c.buf) { // cut short (a keyed file grew): read it whole
		return c.g.read(k)
	}
	return parseCounter(c.buf[:n], c.paths[k], c.keys[k])
}

// CPU is Group.CPU.
func (c *Counters) CPU() (time.Duration, error) {
	n, err := c.read(cpuCounter)
	if err != nil {
		return 0, err
	}
	return c.g.cpuTime(n), nil
}

// Usage is Group.Usage.
func (c *Counters) Usage() (int64, error) { return c.read(usageCounter) }

// Peak is Group.Peak.
func (c *Counters) Peak() (int64, error) { return c.read(peakCounter) }

// OOMKills is Group.OOMKills.
func (c *Counters) OOMKills() (int64, error) { return c.read(oomCounter) }

// Close closes the files.
func (c *Counters) Close() error {
	if c == nil {
		return nil
	}
	for i, fd := range c.fds {
		if fd >= 0 {
			unix.Close(fd)
			c.fds[i] = -1
		}
	}
	return nil
}

// SetLimits sets the group's memory limit, with no swap on top of it, and its process limit:
// what `docker update --memory M --memory-swap M --pids-limit P` writes, without the round trip
// through the engine and a runc process. It needs write access to the group's files (the host's
// view). An error may leave some of the limits set: the caller sets them again another way.
func (g Group) SetLimits(memory, pids int64) error {
	if g.MemoryDir == "" || g.PidsDir == "" {
		return ErrNoGroup
	}
	if g.V2 {
		if err := writeInt(filepath.Join(g.MemoryDir, "memory.max"), memory); err != nil {
			return err
		}
		// No swap controller (swap off): there is no swap to deny.
		if err := writeInt(filepath.Join(g.MemoryDir, "memory.swap.max"), 0); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	} else {
		limit := filepath.Join(g.MemoryDir, "memory.limit_in_bytes")
		memsw := filepath.Join(g.MemoryDir, "memory.memsw.limit_in_bytes")
		cur, err := readInt(limit)
		if err != nil {
			return err
		}
		// The kernel refuses memory+swap below memory: it goes up first and down last.
		order := []string{limit, memsw}
		if memory > cur {
			order = []string{memsw, limit}
		}
		for _, f := range order {
			// No memsw file: the kernel does not account swap, and there is none to deny.
			if err := writeInt(f, memory); err != nil && !(f == memsw && errors.Is(err, os.ErrNotExist)) {
				return err
			}
		}
	}
	return writeInt(filepath.Join(g.PidsDir, "pids.max"), pids)
}

// writeInt writes n to an existing control file.
func writeInt(path string, n int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(strconv.FormatInt(n, 10)); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// PeakWatch measures the memory peak from its start. It needs write access to the group's
// files (the host's, not the container's, view).
type PeakWatch struct {
	f *os.File
}

// WatchPeak resets the group's memory peak to its current usage and returns a watch that reads
// the peak from now on. v1 resets the group's one max_usage_in_bytes; v2 (Linux 6.12 and later)
// resets a peak private to the watch's open file, so concurrent watchers do not disturb it.
func (g Group) WatchPeak() (*PeakWatch, error) {
	if g.MemoryDir == "" {
		return nil, ErrNoGroup
	}
	name := "memory.max_usage_in_bytes"
	reset := "0"
	if g.V2 {
		name, reset = "memory.peak", "reset"
	}
	f, err := os.OpenFile(filepath.Join(g.MemoryDir, name), os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if _, err := f.Write([]byte(reset)); err != nil {
		f.Close()
		return nil, fmt.Errorf("reset %s: %w", name, err)
	}
	return &PeakWatch{f: f}, nil
}

// Read is the peak since the watch started.
func (w *PeakWatch) Read() (int64, error) {
	var buf [32]byte
	n, err := w.f.ReadAt(buf[:], 0)
	if err != nil && n == 0 {
		return 0, fmt.Errorf("read %s: %w", w.f.Name(), err)
	}
	return parseInt(buf[:n], w.f.Name())
}

// Close releases the watch.
func (w *PeakWatch) Close() error { return w.f.Close() }

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return parseInt(b, path)
}

func parseInt(b []byte, path string) (int64, error) {
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// parseCounter reads a counter's text: one number, or with key the "key value" line of a flat
// keyed file.
func parseCounter(b []byte, path, key string) (int64, error) {
	if key == "" {
		return parseInt(b, path)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			return parseInt([]byte(v), path)
		}
	}
	return 0, fmt.Errorf("%s has no %q", path, key)
}
