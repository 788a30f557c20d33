package sandbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/run"
)

// matrixCase is one small program and the status it must get.
type matrixCase struct {
	name   string
	src    string
	limits run.Limits
	want   run.Status
	check  func(t *testing.T, r run.Result)
}

var small = run.Limits{CPUTime: time.Second, MemoryBytes: 64 << 20, OutputBytes: 1 << 20}

func cMatrix() []matrixCase {
	return []matrixCase{
		{name: "ok", src: `#include <stdio.h>
int main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\n",a+b);return 0;}`, limits: small, want: run.OK,
			check: func(t *testing.T, r run.Result) {
				if string(r.Stdout) != "5\n" {
					t.Errorf("stdout %q, want 5", r.Stdout)
				}
			}},
		{name: "exit3", src: `int main(void){return 3;}`, limits: small, want: run.RE,
			check: func(t *testing.T, r run.Result) {
				if r.ExitCode != 3 || r.Signal != "" {
					t.Errorf("exit %d signal %q, want 3 and none", r.ExitCode, r.Signal)
				}
			}},
		{name: "segfault", src: `int main(void){volatile int *p=0;*p=1;return 0;}`, limits: small, want: run.RE,
			check: func(t *testing.T, r run.Result) {
				if r.Signal != "SIGSEGV" {
					t.Errorf("signal %q, want SIGSEGV", r.Signal)
				}
			}},
		{name: "tle-cpu", src: `int main(void){volatile unsigned long x=0;for(;;)x++;}`, limits: small, want: run.TLE,
			check: func(t *testing.T, r run.Result) {
				// Killed by the CPU watch near the limit, or, on a machine so loaded that the
				// program got little CPU, by the 4s wall cap; never let run on.
				if r.CPUTime < 900*time.Millisecond && r.WallTime < 4*time.Second {
					t.Errorf("cpu %v wall %v: stopped before either limit", r.CPUTime, r.WallTime)
				}
				if r.WallTime > 15*time.Second {
					t.Errorf("wall %v: ran far past the 4s wall cap", r.WallTime)
				}
			}},
		{name: "tle-sleep", src: `#include <unistd.h>
int main(void){sleep(30);return 0;}`, limits: small, want: run.TLE,
			check: func(t *testing.T, r run.Result) {
				if r.WallTime < 4*time.Second || r.WallTime > 15*time.Second {
					t.Errorf("wall %v, want the 3×1s+1s cap", r.WallTime)
				}
			}},
		{name: "mle", src: `#include <stdlib.h>
#include <string.h>
int main(void){for(int i=0;i<64;i++){char*p=malloc(16<<20);if(!p)return 1;memset(p,1,16<<20);}return 0;}`, limits: small, want: run.MLE},
		{name: "mle-slight", src: `#include <stdlib.h>
#include <string.h>
#include <stdio.h>
int main(void){int a,b;scanf("%d %d",&a,&b);size_t n=(size_t)(a+b+75)<<20;char*volatile p=malloc(n);
for(size_t i=0;i<n;i+=4096)p[i]=(char)i;printf("%d\n",p[4096*3]);return 0;}`, limits: small, want: run.MLE,
			check: func(t *testing.T, r run.Result) {
				if r.MemoryBytes <= small.MemoryBytes {
					t.Errorf("peak %d, want over the %d limit", r.MemoryBytes, small.MemoryBytes)
				}
			}},
		{name: "ole", src: `#include <stdio.h>
int main(void){for(;;)fputs("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n",stdout);}`, limits: small, want: run.OLE,
			check: func(t *testing.T, r run.Result) {
				if !r.StdoutTruncated || int64(len(r.Stdout)) != small.OutputBytes {
					t.Errorf("stdout %d bytes truncated=%v, want exactly the %d-byte cap", len(r.Stdout), r.StdoutTruncated, small.OutputBytes)
				}
			}},
	}
}

func pyMatrix() []matrixCase {
	return []matrixCase{
		{name: "ok", src: "a, b = map(int, input().split())\nprint(a + b)\n", limits: small, want: run.OK,
			check: func(t *testing.T, r run.Result) {
				if string(r.Stdout) != "5\n" {
					t.Errorf("stdout %q, want 5", r.Stdout)
				}
			}},
		{name: "exit3", src: "import sys\nsys.exit(3)\n", limits: small, want: run.RE},
		{name: "exception", src: "raise ValueError('boom')\n", limits: small, want: run.RE,
			check: func(t *testing.T, r run.Result) {
				if !strings.Contains(string(r.Stderr), "ValueError: boom") {
					t.Errorf("stderr %q lacks the traceback", r.Stderr)
				}
			}},
		{name: "segfault", src: "import ctypes\nctypes.string_at(0)\n", limits: small, want: run.RE,
			check: func(t *testing.T, r run.Result) {
				if r.Signal != "SIGSEGV" {
					t.Errorf("signal %q, want SIGSEGV", r.Signal)
				}
			}},
		{name: "tle-cpu", src: "while True:\n    pass\n", limits: small, want: run.TLE},
		{name: "tle-sleep", src: "import time\ntime.sleep(30)\n", limits: small, want: run.TLE},
		{name: "mle", src: "x = []\nwhile True:\n    x.append(bytearray(8 << 20))\n", limits: small, want: run.MLE},
		{name: "ole", src: "import sys\nwhile True:\n    sys.stdout.write('y' * 4096)\n", limits: small, want: run.OLE},
	}
}

func cppMatrix() []matrixCase {
	return []matrixCase{
		{name: "ok", src: `#include <iostream>
int main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\n";}`, limits: small, want: run.OK,
			check: func(t *testing.T, r run.Result) {
				if string(r.Stdout) != "5\n" {
					t.Errorf("stdout %q, want 5", r.Stdout)
				}
			}},
		{name: "throw", src: `#include <stdexcept>
int main(){throw std::runtime_error("x");}`, limits: small, want: run.RE,
			check: func(t *testing.T, r run.Result) {
				if r.Signal != "SIGABRT" {
					t.Errorf("signal %q, want SIGABRT", r.Signal)
				}
			}},
		{name: "tle-cpu", src: `int main(){volatile unsigned long x=0;for(;;)x++;}`, limits: small, want: run.TLE},
		{name: "mle", src: `#include <vector>
int main(){std::vector<std::vector<char>> v;for(;;)v.emplace_back(16<<20,1);}`, limits: small, want: run.MLE},
		{name: "ole", src: `#include <cstdio>
int main(){for(;;)std::puts("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");}`, limits: small, want: run.OLE},
		{name: "deep-recursion", src: `#include <cstdio>
int f(int n){volatile char buf[256];buf[0]=n;return n?f(n-1)+buf[0]:0;}
int main(){std::printf("%d\n",f(100000));}`, limits: small, want: run.OK},
	}
}

func TestMatrixBase(t *testing.T) {
	suites := []struct {
		lang  string
		cases []matrixCase
	}{{"c", cMatrix()}, {"cpp", cppMatrix()}, {"python3", pyMatrix()}}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newSandbox(t, mode)
			for _, s := range suites {
				for _, c := range s.cases {
					t.Run(s.lang+"/"+c.name, func(t *testing.T) {
						p := compile(t, e.sb, s.lang, c.src, run.OK)
						r := runProgram(t, p, run.Spec{Stdin: []byte("2 3\n"), Limits: c.limits})
						if r.Status != c.want {
							t.Fatalf("status %s (%s), want %s; exit %d signal %q cpu %v wall %v mem %d stderr %q",
								r.Status, r.Message, c.want, r.ExitCode, r.Signal, r.CPUTime, r.WallTime, r.MemoryBytes, truncate(r.Stderr))
						}
						if c.check != nil {
							c.check(t, r)
						}
						// The same program is judged normally right after whatever it did.
						if c.want != run.OK {
							return
						}
						r2 := runProgram(t, p, run.Spec{Stdin: []byte("2 3\n"), Limits: c.limits})
						if r2.Status != run.OK {
							t.Fatalf("second run: %s", r2.Status)
						}
					})
				}
				t.Run(s.lang+"/ce", func(t *testing.T) {
					if s.lang == "python3" {
						t.Skip("python3 has no compile step; a syntax error is an RE")
					}
					compile(t, e.sb, s.lang, "this is not a program", run.CE)
				})
			}
		})
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
