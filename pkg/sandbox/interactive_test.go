package sandbox_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

const interactorSrc = `import sys
secret, tries = 37, 0
for line in sys.stdin:
    tries += 1
    g = int(line)
    if g == secret:
        print('=', flush=True)
        sys.stderr.write('correct in %d\n' % tries)
        sys.exit(0)
    print('<' if secret < g else '>', flush=True)
    if tries > 20:
        break
sys.stderr.write('gave up\n')
sys.exit(1)
`

const guesserSrc = `#include <stdio.h>
int main(void){int lo=1,hi=100;char r[8];
for(;;){int m=(lo+hi)/2;printf("%d\n",m);fflush(stdout);if(scanf("%7s",r)!=1)return 1;
if(r[0]=='=')return 0;if(r[0]=='<')hi=m-1;else lo=m+1;}}`

// wire connects one process's stdout to the other's stdin, closing it at end of stream.
func wire(dst *sandbox.Process, src *sandbox.Process) {
	go func() {
		_, _ = io.Copy(dst.Stdin(), src.Stdout())
		dst.Stdin().Close()
	}()
}

func TestInteractive(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newSandbox(t, mode)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			inter := compile(t, e.sb, "python3", interactorSrc, run.OK)
			sub := compile(t, e.sb, "c", guesserSrc, run.OK)

			for round := range 2 { // the second round reuses the containers
				ip, err := inter.Start(ctx, run.Spec{Limits: small})
				if err != nil {
					t.Fatal(err)
				}
				sp, err := sub.Start(ctx, run.Spec{Limits: small})
				if err != nil {
					t.Fatal(err)
				}
				wire(sp, ip)
				wire(ip, sp)
				sr, err := sp.Wait()
				if err != nil {
					t.Fatal(err)
				}
				ir, err := ip.Wait()
				if err != nil {
					t.Fatal(err)
				}
				if sr.Status != run.OK || ir.Status != run.OK || !strings.Contains(string(ir.Stderr), "correct in") {
					t.Fatalf("round %d: submission %s (%s), interactor %s (%s) stderr %q", round, sr.Status, sr.Message, ir.Status, ir.Message, ir.Stderr)
				}
			}
		})
	}
}

func TestInteractiveLimits(t *testing.T) {
	e := newSandbox(t, sandbox.ModeReuse)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// A program that never reads is stopped by the wall cap even though its stdin stays open.
	p := compile(t, e.sb, "python3", "import time\ntime.sleep(60)\n", run.OK)
	pr, err := p.Start(ctx, run.Spec{Limits: run.Limits{CPUTime: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pr.Stdin().Write([]byte(strings.Repeat("x", 256<<10))); err != nil {
		t.Fatal(err)
	}
	r, err := pr.Wait()
	if err != nil || r.Status != run.TLE {
		t.Fatalf("sleeper: %s (%s) %v, want TLE", r.Status, r.Message, err)
	}
	if _, err := pr.Stdin().Write([]byte("late")); err == nil {
		t.Fatal("write to a finished process succeeded")
	}

	// Spec.Stdin is delivered first, then the live stream; stdout past the limit is OLE.
	echo := compile(t, e.sb, "python3", "import sys\nfor l in sys.stdin:\n    sys.stdout.write(l * 1000)\n", run.OK)
	pr, err = echo.Start(ctx, run.Spec{Stdin: []byte("first\n"), Limits: run.Limits{OutputBytes: 64 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range 100 {
			if _, err := pr.Stdin().Write([]byte("more\n")); err != nil {
				return
			}
		}
		pr.Stdin().Close()
	}()
	out, _ := io.ReadAll(pr.Stdout())
	r, err = pr.Wait()
	if err != nil || r.Status != run.OLE {
		t.Fatalf("echo: %s (%s) %v, want OLE", r.Status, r.Message, err)
	}
	if !strings.HasPrefix(string(out), "first\nfirst\n") || len(out) > 64<<10 {
		t.Fatalf("echo stdout: %d bytes starting %q, want the first line first and at most 64 KiB", len(out), out[:min(len(out), 20)])
	}

	// The container is judged normally afterwards.
	checkClean(t, e, sandbox.ModeReuse, "")
}
