package sandbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"

	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// leakSrc leaves behind everything a reused container must not carry to the next submission.
const leakSrc = `import ctypes, os, subprocess
libc = ctypes.CDLL(None, use_errno=True)
IPC_CREAT = 0o1000
print('shm', libc.shmget(0x1234, 4096, IPC_CREAT | 0o666) >= 0)
print('msg', libc.msgget(0x4321, IPC_CREAT | 0o666) >= 0)
print('sem', libc.semget(0x777, 1, IPC_CREAT | 0o666) >= 0)
libc.mq_open.restype = ctypes.c_int
print('mq', libc.mq_open(b'/leakq', os.O_CREAT | os.O_RDWR, 0o666, None) >= 0)
open('/dev/shm/leak', 'w').write('x')
open('/box/leak', 'w').write('x')
os.makedirs('/box/dir/sub')
os.chmod('/box/dir', 0)
open('/tmp/leak', 'w').write('x')
with open('/tmp/big', 'wb') as f:
    for _ in range(48):
        f.write(b'x' * (1 << 20))
subprocess.Popen(['sleep', '1000'], start_new_session=True)
subprocess.Popen(['sh', '-c', '(sleep 1000 &) ; while :; do :; done'], start_new_session=True)
print('left')
`

// fillSrc needs the whole of /tmp and most of the memory limit to itself.
const fillSrc = `with open('/tmp/big', 'wb') as f:
    for _ in range(60):
        f.write(b'y' * (1 << 20))
print('filled')
`

func TestReuseLeaks(t *testing.T) {
	e := newSandbox(t, sandbox.ModeReuse)
	limits := small
	limits.MemoryBytes = 128 << 20
	limits.FileSizeBytes = 128 << 20

	a := compile(t, e.sb, "python3", leakSrc, run.OK)
	r := runProgram(t, a, run.Spec{Limits: limits})
	if r.Status != run.OK || strings.Count(string(r.Stdout), "True") != 4 || !strings.Contains(string(r.Stdout), "left") {
		t.Fatalf("leaker: %s (%s) stdout %q stderr %q", r.Status, r.Message, r.Stdout, truncate(r.Stderr))
	}
	used := a.Container()
	a.Close()

	checkClean(t, e, sandbox.ModeReuse, used)

	b := compile(t, e.sb, "python3", fillSrc, run.OK)
	r = runProgram(t, b, run.Spec{Limits: limits})
	if b.Container() != used {
		t.Fatalf("filler ran in %.12s, want the reused %.12s", b.Container(), used)
	}
	if r.Status != run.OK || string(r.Stdout) != "filled\n" {
		t.Fatalf("filler: %s (%s) stdout %q stderr %q: the leaker's tmpfs file was not freed", r.Status, r.Message, r.Stdout, truncate(r.Stderr))
	}
}

// TestReuseMemoryLimitPerSubmission shows a reused container enforces each submission's own
// memory limit, tighter or looser than the one before.
func TestReuseMemoryLimitPerSubmission(t *testing.T) {
	e := newSandbox(t, sandbox.ModeReuse)
	const src = "x = b'x' * (100 << 20)\nprint(len(x))\n"
	steps := []struct {
		memory int64
		want   run.Status
	}{{64 << 20, run.MLE}, {256 << 20, run.OK}, {64 << 20, run.MLE}, {256 << 20, run.OK}}
	var first string
	for i, s := range steps {
		p := compile(t, e.sb, "python3", src, run.OK)
		r := runProgram(t, p, run.Spec{Limits: run.Limits{CPUTime: small.CPUTime, MemoryBytes: s.memory}})
		if i == 0 {
			first = p.Container()
		} else if p.Container() != first {
			t.Fatalf("step %d ran in %.12s, want the reused %.12s", i, p.Container(), first)
		}
		p.Close()
		if r.Status != s.want {
			t.Fatalf("step %d (memory %d MiB): %s (%s), want %s; peak %d", i, s.memory>>20, r.Status, r.Message, s.want, r.MemoryBytes)
		}
	}
}

// TestReuseMaxUses shows a container is replaced after serving MaxUses submissions.
func TestReuseMaxUses(t *testing.T) {
	e := newSandbox(t, sandbox.ModeReuse, func(o *sandbox.Options) { o.MaxUses = 2 })
	var ids []string
	for range 3 {
		p := compile(t, e.sb, "python3", "print(1)\n", run.OK)
		if r := runProgram(t, p, run.Spec{Limits: small}); r.Status != run.OK {
			t.Fatalf("run: %s", r.Status)
		}
		ids = append(ids, p.Container())
		p.Close()
	}
	if ids[0] != ids[1] || ids[2] == ids[0] {
		t.Fatalf("containers %.12v: want the first two equal and the third new (MaxUses 2)", ids)
	}
}

// TestFreshNeverReuses shows fresh mode gives every submission a container of its own: a
// compiled language compiles and runs in one container, no container (warm from the pool or
// not) serves a second submission, and each is removed once its submission is closed.
func TestFreshNeverReuses(t *testing.T) {
	e := newSandbox(t, sandbox.ModeFresh, func(o *sandbox.Options) { o.PoolSize = 2; o.CompileCacheBytes = -1 })
	seen := map[string]bool{}
	for i := range 6 {
		language, src := "python3", "print(1)\n"
		if i%2 == 1 {
			language, src = "c", "#include <stdio.h>\nint main(void){puts(\"1\");return 0;}\n"
		}
		p := compile(t, e.sb, language, src, run.OK)
		compiledIn := p.Container()
		if r := runProgram(t, p, run.Spec{Limits: small}); r.Status != run.OK || string(r.Stdout) != "1\n" {
			t.Fatalf("%s run: %s %q", language, r.Status, r.Stdout)
		}
		ranIn := p.Container()
		if language == "c" && compiledIn != ranIn {
			t.Fatalf("c compiled in %.12s but ran in %.12s: want one container per submission", compiledIn, ranIn)
		}
		if seen[ranIn] {
			t.Fatalf("container %.12s served two submissions in fresh mode", ranIn)
		}
		seen[ranIn] = true
		p.Close()
	}
	for id := range seen {
		testenv.WaitFor(t, "container "+id[:12]+" to be removed", time.Minute, func() bool { return !exists(e.docker, id) })
	}
}

// TestFreshPoolRemovedOnClose shows the containers a fresh-mode pool made ahead of need, and one
// a program still holds, are removed by Close.
func TestFreshPoolRemovedOnClose(t *testing.T) {
	skipShort(t)
	docker := testenv.Docker(t)
	ref := requireImage(t, "base")
	ctx := context.Background()
	sb, err := sandbox.New(ctx, docker, mustLangs(t), sandbox.Options{
		Mode: sandbox.ModeFresh, AgentPath: testenv.JudgedBinary(t), PoolSize: 3, Images: []string{ref},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close(context.Background()) })
	p := compile(t, sb, "python3", "print(1)\n", run.OK)
	if r := runProgram(t, p, run.Spec{Limits: small}); r.Status != run.OK {
		t.Fatalf("run: %s", r.Status)
	}
	// The pool refills behind the program's container: three warm ones and the busy one.
	testenv.WaitFor(t, "the pool to refill", time.Minute, func() bool { return countContainers(t, docker, sb.Instance()) == 4 })
	if err := sb.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countContainers(t, docker, sb.Instance()); n != 0 {
		t.Fatalf("%d sandbox containers left after Close", n)
	}
	p.Close() // after Close: nothing left to give back
	if n := countContainers(t, docker, sb.Instance()); n != 0 {
		t.Fatalf("%d sandbox containers after closing a program of a closed sandbox", n)
	}
}

// limitsSrc prints the memory and pids limits of its container's group, as the kernel applies
// them (cgroup v1 or v2, seen from inside).
const limitsSrc = `import os
def first(*paths):
    for p in paths:
        if os.path.exists(p):
            return open(p).read().strip()
print(first('/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory.max'),
      first('/sys/fs/cgroup/pids/pids.max', '/sys/fs/cgroup/pids.max'))
`

// TestLimitsReachTheGroup shows each run's memory and process limits are the ones the kernel
// applies to the container, raised and lowered between the runs of one program, in both modes.
func TestLimitsReachTheGroup(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newSandbox(t, mode)
			p := compile(t, e.sb, "python3", limitsSrc, run.OK)
			read := func(memory int64, processes int) (int64, int64) {
				t.Helper()
				lim := small
				lim.MemoryBytes, lim.Processes = memory, processes
				r := runProgram(t, p, run.Spec{Limits: lim})
				var mem, pids int64
				if _, err := fmt.Sscan(string(r.Stdout), &mem, &pids); r.Status != run.OK || err != nil {
					t.Fatalf("limits: %s %q %q: %v", r.Status, r.Stdout, truncate(r.Stderr), err)
				}
				return mem, pids
			}
			mem1, pids1 := read(64<<20, 10)
			mem2, pids2 := read(200<<20, 20)
			mem3, pids3 := read(64<<20, 10)
			if mem2-mem1 != 136<<20 || pids2-pids1 != 10 || mem3 != mem1 || pids3 != pids1 {
				t.Fatalf("group limits (memory, pids) for 64 MiB/10, 200 MiB/20, 64 MiB/10: (%d, %d), (%d, %d), (%d, %d)",
					mem1, pids1, mem2, pids2, mem3, pids3)
			}
		})
	}
}
