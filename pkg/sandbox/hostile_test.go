package sandbox_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

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
	stdout []string // substrings stdout must contain (one of, separated by |)
	check  func(t *testing.T, r run.Result)
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
