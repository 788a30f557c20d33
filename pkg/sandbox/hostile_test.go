package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// probeSrc reports what a fresh program can see of earlier ones.
const probeSrc = `import os, json
me = os.getpid()
pids = [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, me)]
def ls(d):
    try:
        return sorted(os.listdir(d))
    except FileNotFoundError:
        return []
sysv = {k: len(open('/proc/sysvipc/' + k).read().splitlines()) - 1 for k in ('shm', 'sem', 'msg')}
print(json.dumps({"pids": pids, "box": ls('/box'), "tmp": ls('/tmp'), "shm": ls('/dev/shm'), "mq": ls('/dev/mqueue'), "sysv": sysv}))
`

type probe struct {
	Pids []int          `json:"pids"`
	Box  []string       `json:"box"`
	Tmp  []string       `json:"tmp"`
	Shm  []string       `json:"shm"`
	Mq   []string       `json:"mq"`
	Sysv map[string]int `json:"sysv"`
}

// checkClean runs the probe as a new submission and asserts it sees nothing of earlier ones. In
// reuse mode it must land in container want (the one the earlier submission used).
func checkClean(t *testing.T, e env, mode, want string) {
	t.Helper()
	p := compile(t, e.sb, "python3", probeSrc, run.OK)
	r := runProgram(t, p, run.Spec{Limits: small})
	got := p.Container()
	p.Close()
	if r.Status != run.OK {
		t.Fatalf("probe: %s (%s) stderr %q", r.Status, r.Message, truncate(r.Stderr))
	}
	// What the earlier program did (files, processes, memory it held) must not be charged to
	// the next one: a Python probe's share of the group is its own few MiB.
	if r.MemoryBytes < 1<<20 || r.MemoryBytes > 32<<20 || r.CPUTime <= 0 || r.CPUTime > 500*time.Millisecond {
		t.Errorf("probe measured memory %d bytes, CPU %v: not a Python hello's", r.MemoryBytes, r.CPUTime)
	}
	if mode == sandbox.ModeReuse && want != "" && got != want {
		t.Fatalf("probe ran in container %.12s, want the reused %.12s", got, want)
	}
	var seen probe
	if err := json.Unmarshal(r.Stdout, &seen); err != nil {
		t.Fatalf("probe output %q: %v", r.Stdout, err)
	}
	wantProbe := probe{Pids: []int{}, Box: []string{"main.py"}, Tmp: []string{}, Shm: []string{}, Mq: []string{},
		Sysv: map[string]int{"shm": 0, "sem": 0, "msg": 0}}
	if !reflect.DeepEqual(seen, wantProbe) {
		t.Fatalf("the next submission sees leftovers: %+v, want %+v", seen, wantProbe)
	}
}

type hostileCase struct {
	name   string
	lang   string
	src    string
	limits run.Limits
	spec   func(*run.Spec)
	want   run.Status
	stdout []string // substrings stdout must contain
	check  func(t *testing.T, r run.Result)
}

const mib = 1 << 20

// memoryNear checks the measured peak is the program's known footprint: within 5 % or 2 MiB above
// want (the C runtime, page tables, the agent's own stir), and at most 1 MiB under it: the
// kernel charges pages to a memory cgroup in per-CPU batches (up to 64 pages a CPU on v1), so
// usage read at the start of a run may already hold a few pages the program then only uses.
func memoryNear(want int64) func(t *testing.T, r run.Result) {
	return func(t *testing.T, r run.Result) {
		t.Helper()
		t.Logf("memory %.2f MiB for %.0f MiB touched", float64(r.MemoryBytes)/mib, float64(want)/mib)
		if r.MemoryBytes < want-mib || r.MemoryBytes > want+max(want/20, 2*mib) {
			t.Errorf("memory %.2f MiB, want %.1f MiB (-1 MiB, +5%% or 2 MiB)", float64(r.MemoryBytes)/mib, float64(want)/mib)
		}
	}
}

// cpuNear checks the measured CPU time is the program's known burn, within 5 % or 50 ms.
func cpuNear(want time.Duration) func(t *testing.T, r run.Result) {
	return func(t *testing.T, r run.Result) {
		t.Helper()
		t.Logf("CPU %v for %v burnt", r.CPUTime, want)
		if r.CPUTime < want || r.CPUTime > want+max(want/20, 50*time.Millisecond) {
			t.Errorf("CPU %v, want %v (+5%% or 50ms)", r.CPUTime, want)
		}
	}
}

// cAlloc is a C program that allocates and touches n MiB in a child (child=1) or itself, then,
// as the parent, exits 0.
func cAlloc(n int, child bool) string {
	return fmt.Sprintf(`#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/prctl.h>
int main(void){
	prctl(PR_SET_NAME, "VmHWM: 1 kB", 0, 0, 0);
	if (%d) { pid_t p = fork(); if (p > 0) { int st; waitpid(p, &st, 0); return 0; } }
	size_t n = (size_t)%d << 20; volatile char *m = malloc(n);
	for (size_t i = 0; i < n; i += 4096) m[i] = 7; /* volatile: the compiler may not drop it */
	return m[n-1] == 0 ? 0 : 1;
}`, map[bool]int{false: 0, true: 1}[child], n)
}

func hostileCases() []hostileCase {
	big := small
	big.MemoryBytes = 128 << 20
	big.FileSizeBytes = 128 << 20
	return []hostileCase{
		{name: "fork-bomb", lang: "c", src: `#include <unistd.h>
int main(void){for(;;)fork();}`, limits: small, want: run.TLE},
		{name: "memory-hog", lang: "python3", src: "x = b'x' * (1 << 30)\nprint(len(x))\n", limits: small, want: run.MLE},
		{name: "print-forever", lang: "python3", src: "while 1:\n    print('spam')\n", limits: small, want: run.OLE},
		{name: "children-outlive", lang: "python3", src: `import subprocess
for i in range(5):
    subprocess.Popen(['sleep', '1000'], start_new_session=True)
    subprocess.Popen(['sh', '-c', 'while :; do :; done'])
print('parent done')
`, limits: small, want: run.OK, stdout: []string{"parent done"}},
		{name: "write-usr", lang: "python3", src: `for p in ['/usr/pwned', '/etc/pwned', '/pwned', '/.judge/judged', '/.judge/x']:
    try:
        open(p, 'w').write('x')
        print('WROTE', p)
    except OSError as e:
        print('denied', e.errno)
`, limits: small, want: run.OK, check: func(t *testing.T, r run.Result) {
			if strings.Contains(string(r.Stdout), "WROTE") || strings.Count(string(r.Stdout), "denied") != 5 {
				t.Errorf("stdout %q: a write outside the work dirs succeeded", r.Stdout)
			}
		}},
		{name: "socket", lang: "python3", src: `import socket, os
print(sorted(os.listdir('/sys/class/net')))
for addr in [('1.1.1.1', 80), ('127.0.0.1', 55432), ('172.17.0.1', 2375)]:
    try:
        socket.create_connection(addr, timeout=2)
        print('CONNECTED', addr)
    except OSError as e:
        print('refused', e.errno)
`, limits: small, want: run.OK, stdout: []string{"['lo']"}, check: func(t *testing.T, r run.Result) {
			if strings.Contains(string(r.Stdout), "CONNECTED") {
				t.Errorf("stdout %q: the program reached a network", r.Stdout)
			}
		}},
		{name: "fill-tmp", lang: "python3", src: `import os
n = 0
try:
    while True:
        with open('/tmp/f%d' % n, 'wb') as f:
            f.write(b'x' * (1 << 20))
        n += 1
except OSError as e:
    print('stopped', e.errno, n)
`, limits: big, want: run.OK, stdout: []string{"stopped 28"}},
		{name: "plant-links", lang: "python3", src: `import os
os.makedirs('fb')
os.symlink('/etc/passwd', 'fb/passwd')
os.symlink('/proc/1/environ', 'fb/environ')
os.symlink('/', 'fb/root')
os.mkfifo('fb/fifo')
open('own', 'w').write('mine')
os.link('own', 'fb/hard')
open('fb/ok.txt', 'w').write('fine')
os.symlink('/etc', 'fb2')
print('planted')
`, limits: small, spec: func(s *run.Spec) { s.CollectDir = "fb" }, want: run.OK, stdout: []string{"planted"},
			check: func(t *testing.T, r run.Result) {
				if string(r.Files["ok.txt"]) != "fine" {
					t.Errorf("collected %v, want ok.txt = fine", keys(r.Files))
				}
				for name := range r.Files {
					if name != "ok.txt" && name != "hard" {
						t.Errorf("collected %q: a link or FIFO was followed", name)
					}
				}
			}},
		{name: "plant-link-as-collect-dir", lang: "python3", src: "import os\nos.symlink('/etc', 'fb')\nprint('planted')\n",
			limits: small, spec: func(s *run.Spec) { s.CollectDir = "fb" }, want: run.OK,
			check: func(t *testing.T, r run.Result) {
				if len(r.Files) != 0 {
					t.Errorf("collected %v through a symlinked collect dir", keys(r.Files))
				}
			}},
		// Memory from the kernel: every shape of using more than the limit is MLE.
		{name: "mle-one-process-by-1MiB", lang: "c", src: cAlloc(65, false), limits: small, want: run.MLE},
		{name: "ok-under-limit-measured", lang: "c", src: cAlloc(40, false), limits: small, want: run.OK, check: memoryNear(40 * mib)},
		{name: "mle-child-allocates-and-exits", lang: "c", src: cAlloc(66, true), limits: small, want: run.MLE},
		{name: "mle-many-processes", lang: "c", src: `#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/types.h>
int main(void){
	int fd[2]; pipe(fd); pid_t kids[4];
	for (int i = 0; i < 4; i++) {
		if ((kids[i] = fork()) == 0) { volatile char *m = malloc(18 << 20); for (int j = 0; j < 18 << 20; j += 4096) m[j] = 1; write(fd[1], "x", 1); pause(); }
	}
	char c; for (int i = 0; i < 4; i++) read(fd[0], &c, 1);
	for (int i = 0; i < 4; i++) kill(kids[i], SIGKILL);
	return 0;
}`, limits: small, want: run.MLE},
		{name: "mle-files-on-tmpfs", lang: "c", src: `#include <stdio.h>
#include <string.h>
int main(void){
	static char buf[1 << 20]; memset(buf, 'x', sizeof buf);
	FILE *f = fopen("/box/scratch", "w");
	for (int i = 0; i < 66; i++) fwrite(buf, 1, sizeof buf, f);
	fclose(f); return 0;
}`, limits: small, want: run.MLE},
		// The program's own 1 MiB puts it over the limit once /tmp (64 MiB) is full: the same
		// margin as the cases above, well past the kernel's charge batching (64 pages per CPU),
		// which made a 64 KiB buffer's margin come and go between runs in one container.
		{name: "fill-tmp-small-program", lang: "c", src: `#include <stdio.h>
#include <string.h>
int main(void){
	static char buf[1 << 20]; memset(buf, 'x', sizeof buf);
	FILE *f = fopen("/tmp/fill", "w");
	while (fwrite(buf, 1, sizeof buf, f) == sizeof buf) {}
	return 0;
}`, limits: small, want: run.MLE},
		{name: "scratch-50MB-under-8MiB-output", lang: "c", src: `#include <stdio.h>
#include <string.h>
int main(void){
	static char buf[1 << 20]; memset(buf, 'x', sizeof buf);
	FILE *f = fopen("/tmp/scratch", "w");
	for (int i = 0; i < 50; i++) if (fwrite(buf, 1, sizeof buf, f) != sizeof buf) { perror("write"); return 1; }
	if (fclose(f)) { perror("close"); return 1; }
	puts("wrote 50 MiB");
	return 0;
}`, limits: run.Limits{CPUTime: time.Second, WallTime: time.Minute, MemoryBytes: 128 * mib, OutputBytes: 8 * mib}, want: run.OK, stdout: []string{"wrote 50 MiB"}},
		// CPU from the kernel: children nobody waits for are charged.
		{name: "cpu-in-unwaited-children", lang: "c", src: cBurnChildren, limits: run.Limits{CPUTime: 2 * time.Second, WallTime: time.Minute, MemoryBytes: 64 * mib}, want: run.OK,
			check: cpuNear(900 * time.Millisecond)}, // the wall cap is wide: this shared machine's load reaches 30
		{name: "tle-in-unwaited-children", lang: "c", src: cBurnChildren, limits: run.Limits{CPUTime: 500 * time.Millisecond, MemoryBytes: 64 * mib}, want: run.TLE},
		// Output: a flood is OLE, a large output within the limit is OK, whole.
		{name: "print-forever-default-limits", lang: "python3", src: "import sys\nwhile 1:\n    sys.stdout.write('spam' * 4096)\n", limits: run.Limits{CPUTime: 5 * time.Second}, want: run.OLE,
			check: func(t *testing.T, r run.Result) {
				if len(r.Stdout) != 64*mib || !r.StdoutTruncated {
					t.Errorf("stdout %d bytes truncated=%v, want exactly the 64 MiB limit", len(r.Stdout), r.StdoutTruncated)
				}
			}},
		{name: "print-48MiB", lang: "c", src: `#include <stdio.h>
#include <string.h>
int main(void){ static char buf[1 << 20]; memset(buf, 'y', sizeof buf); for (int i = 0; i < 48; i++) fwrite(buf, 1, sizeof buf, stdout); return 0; }`,
			limits: run.Limits{CPUTime: 5 * time.Second, WallTime: time.Minute}, want: run.OK, check: func(t *testing.T, r run.Result) {
				if len(r.Stdout) != 48*mib || r.StdoutTruncated {
					t.Errorf("stdout %d bytes truncated=%v, want all 48 MiB", len(r.Stdout), r.StdoutTruncated)
				}
			}},
		// After floods, memory hogs and files in the same (reused) container, the agent's
		// memory neither counts against the program nor narrows its limit.
		{name: "ok-62MiB-of-64MiB-after-floods", lang: "c", src: cAlloc(62, false), limits: small, want: run.OK, check: memoryNear(62 * mib)},
		{name: "fill-tmp-unhandled", lang: "python3", src: "n = 0\nwhile True:\n    open('/tmp/f%d' % n, 'wb').write(b'x' * (1 << 20))\n    n += 1\n",
			limits: run.Limits{CPUTime: 2 * time.Second, MemoryBytes: 128 * mib}, want: run.RE, check: func(t *testing.T, r run.Result) {
				if !strings.Contains(string(r.Stderr), "No space left on device") {
					t.Errorf("stderr %q: want the program's own ENOSPC", truncate(r.Stderr))
				}
			}},
		{name: "stderr-garbage", lang: "c", src: `#include <stdio.h>
int main(void){ fwrite("a\0b\xff\xc3", 1, 5, stderr); for (int i = 0; i < 100000; i++) fputs("\xc3\xa9", stderr); return 1; }`,
			limits: small, want: run.RE, check: func(t *testing.T, r run.Result) {
				if len(r.Stderr) != 64<<10 || r.Stderr[1] != 0 {
					t.Errorf("stderr %d bytes, want the raw first 64 KiB", len(r.Stderr))
				}
				if s := run.Text(r.Stderr, 1000); !utf8.ValidString(s) || strings.ContainsRune(s, 0) || len(s) > 1000 {
					t.Errorf("run.Text of stderr is not storable: %q", s)
				}
			}},
		{name: "read-agent", lang: "python3", src: `import os
for p in ['/proc/1/environ', '/proc/1/mem']:
    try:
        open(p, 'rb').read(10)
        print('READ', p)
    except OSError as e:
        print('denied', e.errno)
try:
    os.kill(1, 9)
    print('KILLED')
except OSError as e:
    print('denied', e.errno)
print(os.getuid(), os.geteuid(), open('/proc/self/status').read().split('CapEff:')[1].split()[0])
`, limits: small, want: run.OK, stdout: []string{"10000 10000 0000000000000000"}, check: func(t *testing.T, r run.Result) {
			if strings.Contains(string(r.Stdout), "READ") || strings.Contains(string(r.Stdout), "KILLED") {
				t.Errorf("stdout %q: the program reached the agent", r.Stdout)
			}
		}},
	}
}

// cBurnChildren ignores SIGCHLD (so the kernel reaps its children and no rusage of theirs
// reaches anyone) and burns 300 ms of CPU in each of three children. With SIGCHLD ignored, wait
// blocks until every child is gone and then fails.
const cBurnChildren = `#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
int main(void){
	signal(SIGCHLD, SIG_IGN);
	for (int i = 0; i < 3; i++) if (fork() == 0) { while (clock() < CLOCKS_PER_SEC * 3 / 10) {} _exit(0); }
	wait(NULL);
	return 0;
}`

// agentRSSBound is what the agent may reach at most: its idle size plus the 16 MiB the issue
// allows (docs/benchmarks.md measures it).
const agentRSSBound = 32 * mib

// agentPeakRSS reads VmHWM of the container's PID 1 (the agent) from the host.
func agentPeakRSS(t *testing.T, e env, id string) int64 {
	t.Helper()
	info, err := e.docker.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatalf("inspect %s: %v", id, err)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", info.Container.State.Pid))
	if err != nil {
		t.Logf("the agent's memory is not checked: its /proc is not readable here (not the Docker host?): %v", err)
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in the agent's status")
	return 0
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestHostile(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newSandbox(t, mode)
			for _, c := range hostileCases() {
				t.Run(c.name, func(t *testing.T) {
					p := compile(t, e.sb, c.lang, c.src, run.OK)
					spec := run.Spec{Limits: c.limits}
					if c.spec != nil {
						c.spec(&spec)
					}
					r := runProgram(t, p, spec)
					used := p.Container()
					// The agent's memory stays small whatever the program did (idle it is ~16
					// MiB, mostly the judged binary's text).
					if hwm := agentPeakRSS(t, e, used); hwm > agentRSSBound {
						t.Errorf("the agent's peak RSS is %.1f MiB, over %d MiB", float64(hwm)/mib, agentRSSBound/mib)
					}
					p.Close()
					if r.Status != c.want {
						t.Fatalf("status %s (%s), want %s; stdout %q stderr %q", r.Status, r.Message, c.want, truncate(r.Stdout), truncate(r.Stderr))
					}
					for _, s := range c.stdout {
						if !strings.Contains(string(r.Stdout), s) {
							t.Errorf("stdout %q lacks %q", truncate(r.Stdout), s)
						}
					}
					if c.check != nil {
						c.check(t, r)
					}
					checkClean(t, e, mode, used)
				})
			}
		})
	}
}
