package sandbox_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/pkg/run"
)

// TestContainerHardening inspects the containers of both modes: the settings docs/security.md
// promises must be what the engine applied.
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
			check("memory = limit + 32MiB slack + the tmpfs sizes", h.Memory == 128<<20+32<<20+(256+64+16)<<20)
			check("swap equal to memory", h.MemorySwap == h.Memory)
			check("pids = limit + 32", h.PidsLimit != nil && *h.PidsLimit == 20+32)
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
