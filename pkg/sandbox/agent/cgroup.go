package agent

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cgroupFiles are the container's own cgroup counters as mounted inside it (cgroup v1 shows the
// container's group at each controller's root; v2 at the unified root).
type cgroupFiles struct {
	cpuacct   string // cpuacct.usage (ns) or cpu.stat (usage_usec)
	cpuIsV2   bool
	oom       string // memory.oom_control or memory.events ("oom_kill N")
	oomIsLine bool
}

func findCgroupFiles(root string) cgroupFiles {
	var c cgroupFiles
	for _, p := range []string{"cpuacct/cpuacct.usage", "cpu,cpuacct/cpuacct.usage", "cpuacct,cpu/cpuacct.usage"} {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			c.cpuacct = filepath.Join(root, p)
			break
		}
	}
	if c.cpuacct == "" {
		if _, err := os.Stat(filepath.Join(root, "cpu.stat")); err == nil {
			c.cpuacct, c.cpuIsV2 = filepath.Join(root, "cpu.stat"), true
		}
	}
	for _, p := range []string{"memory/memory.oom_control", "memory.events"} {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			c.oom = filepath.Join(root, p)
			break
		}
	}
	return c
}

// cpuUsage is the cgroup's total CPU time in ns.
func (c cgroupFiles) cpuUsage() (int64, bool) {
	if c.cpuacct == "" {
		return 0, false
	}
	if c.cpuIsV2 {
		v, ok := readKey(c.cpuacct, "usage_usec")
		return v * 1000, ok
	}
	b, err := os.ReadFile(c.cpuacct)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return v, err == nil
}

// oomKills counts the OOM kills the cgroup has seen.
func (c cgroupFiles) oomKills() int64 {
	if c.oom == "" {
		return 0
	}
	v, _ := readKey(c.oom, "oom_kill")
	return v
}

func readKey(path, key string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if ok && k == key {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
