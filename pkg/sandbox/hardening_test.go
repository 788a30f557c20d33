package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox/cgroup"
)

// TestContainerHardening inspects the containers of both modes: the settings docs/security.md
// promises must be what the engine (and, for a run's limits, the kernel) applied.
func TestContainerHardening(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newSandbox(t, mode)
			p := compile(t, e.sb, "python3", "print(1)\n", run.OK)
			limits := run.Limits{MemoryBytes: 128 << 20, Processes: 20}
			if r := runProgram(t, p, run.Spec{Limits: limits}); r.Status != run.OK {
				t.Fatalf("run: %s", r.Status)
			}
			res, err := e.docker.ContainerInspect(context.Background(), p.Container(), client.ContainerInspectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c := res.Container
			h := c.HostConfig
			if h == nil || c.Config == nil {
				t.Fatal("inspect returned no configuration")
			}
			check := func(what string, ok bool) {
				t.Helper()
				if !ok {
					t.Errorf("%s: not as documented", what)
				}
			}
			check("network none", string(h.NetworkMode) == "none" && c.Config.NetworkDisabled)
			check("read-only root", h.ReadonlyRootfs)
			check("cap drop ALL", slices.Contains(h.CapDrop, "ALL") || slices.Contains(h.CapDrop, "CAP_ALL"))
			for _, cp := range h.CapAdd {
				name := strings.TrimPrefix(cp, "CAP_")
				check("cap add "+cp+" is one of the agent's five", slices.Contains([]string{"SETUID", "SETGID", "KILL", "DAC_OVERRIDE", "FOWNER"}, name))
			}
			check("no-new-privileges", slices.ContainsFunc(h.SecurityOpt, func(s string) bool { return strings.HasPrefix(s, "no-new-privileges") }))
			// The run's limits are written into the container's group by the host, not through
			// the engine: the kernel's values are the ones to check.
			memory, memorySwap, pids := groupLimits(t, c.State.Pid)
			check("memory = limit + 32MiB slack + the tmpfs sizes", memory == 128<<20+32<<20+(256+64+16)<<20)
			check("swap equal to memory", memorySwap == memory)
			check("pids = limit + 32", pids == 20+32)
			check("one CPU", h.NanoCPUs == 1e9)
			check("private IPC", string(h.IpcMode) == "private")
			check("tmpfs /box and /tmp", h.Tmpfs["/box"] != "" && h.Tmpfs["/tmp"] != "" && strings.Contains(h.Tmpfs["/box"], "nosuid"))
			check("agent mounted read-only", len(h.Binds) == 1 && strings.HasSuffix(h.Binds[0], ":/.judge/judged:ro"))
			check("auto remove", h.AutoRemove)
			check("no logs kept", h.LogConfig.Type == "none")
			check("labelled", c.Config.Labels["dev.judge.sandbox"] == "1" && c.Config.Labels["dev.judge.sandbox.instance"] == e.sb.Instance())
		})
	}
}

// groupLimits reads the memory, memory+swap and pids limits the kernel applies to the group of
// process pid (a container's PID 1), from the host.
func groupLimits(t *testing.T, pid int) (memory, memorySwap, pids int64) {
	t.Helper()
	g, err := cgroup.LocatePID(strconv.Itoa(pid))
	if err != nil {
		t.Fatal(err)
	}
	read := func(dir, name string) int64 {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return n
	}
	if g.V2 {
		memory = read(g.MemoryDir, "memory.max")
		return memory, memory + read(g.MemoryDir, "memory.swap.max"), read(g.PidsDir, "pids.max")
	}
	return read(g.MemoryDir, "memory.limit_in_bytes"), read(g.MemoryDir, "memory.memsw.limit_in_bytes"), read(g.PidsDir, "pids.max")
}
