// Command sandboxbench measures the sandbox: submissions per second (compile + one test) for a
// language, mode and concurrency, the per-test overhead of a warm container against running
// the same binary directly on the host, and the agent's peak memory moving 64 MiB of output and
// of input. bench/sandbox/run.sh runs the whole set and prints the
// table of docs/benchmarks.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/pkg/engine"
	"github.com/judge-dev/judge/pkg/engine/sandboxed"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

var sources = map[string]string{
	"python3": "print('hello')\n",
	"c":       "#include <stdio.h>\nint main(void){puts(\"hello\");return 0;}\n",
}

func main() {
	mode := flag.String("mode", "reuse", "fresh or reuse")
	language := flag.String("lang", "python3", "python3 or c")
	conc := flag.Int("c", 1, "concurrent submissions")
	dur := flag.Duration("d", 10*time.Second, "measuring time")
	agent := flag.String("agent", "", "static judged binary (required)")
	overhead := flag.Int("overhead", 0, "measure per-test overhead with this many runs instead")
	agentRSS := flag.Bool("agent-rss", false, "measure the agent's peak RSS for 64 MiB of output and of input instead")
	printImage := flag.Bool("print-image", false, "print the base image's tag and exit")
	flag.Parse()
	if *printImage {
		fmt.Println(image.Resolve("base"))
		return
	}
	if err := mainErr(*mode, *language, *conc, *dur, *agent, *overhead, *agentRSS); err != nil {
		fmt.Fprintln(os.Stderr, "sandboxbench:", err)
		os.Exit(1)
	}
}

func mainErr(mode, language string, conc int, dur time.Duration, agent string, overhead int, agentRSS bool) error {
	src, ok := sources[language]
	if !ok {
		return fmt.Errorf("-lang %q: want python3 or c", language)
	}
	if agent == "" {
		return errors.New("-agent is required: CGO_ENABLED=0 go build -o /tmp/judged ./cmd/judged")
	}
	ctx := context.Background()
	docker, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer docker.Close()
	langs, err := lang.Load("")
	if err != nil {
		return err
	}
	l, ok := langs.Get(language)
	if !ok {
		return fmt.Errorf("language %s is not in the table", language)
	}
	sb, err := sandbox.New(ctx, docker, langs, sandbox.Options{
		Mode: mode, AgentPath: agent, PoolSize: conc + 1, CompileCacheBytes: -1, MaxUses: 1 << 30,
		// Only the measured image is warmed: warming every built image would spend the CPU
		// being measured on containers nobody uses.
		Images: []string{image.Resolve(l.Image)},
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	defer sb.Close(context.Background())
	time.Sleep(3 * time.Second) // let the pool warm up

	if overhead > 0 {
		return measureOverhead(ctx, sb, overhead)
	}
	if agentRSS {
		return measureAgentRSS(ctx, sb, docker)
	}
	eng := sandboxed.New(sb, langs)
	sub := engine.Submission{Language: l, Files: map[string][]byte{"main": []byte(src)}}
	submit := func() error {
		c, r, err := eng.Run(ctx, sub, run.Spec{})
		if err != nil {
			return err
		}
		if r == nil {
			return fmt.Errorf("compile: %s %s", c.Status, c.Output)
		}
		if r.Status != run.OK || string(r.Stdout) != "hello\n" {
			return fmt.Errorf("run: %s %q", r.Status, r.Stdout)
		}
		return nil
	}
	for range conc { // warm-up
		if err := submit(); err != nil {
			return err
		}
	}
	var done atomic.Int64
	var lat []time.Duration
	var mu sync.Mutex
	var firstErr error
	end := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				t0 := time.Now()
				err := submit()
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, time.Since(t0))
				mu.Unlock()
				if err != nil {
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	el := time.Since(start)
	slices.Sort(lat)
	fmt.Printf("mode=%s lang=%s c=%d submissions=%d rate=%.1f/s p50=%.1fms p99=%.1fms\n",
		mode, language, conc, done.Load(), float64(done.Load())/el.Seconds(),
		ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]))
	return nil
}

// measureOverhead runs the compiled C hello binary n times in one warm container and n times
// directly on the host, and reports the medians and their difference.
func measureOverhead(ctx context.Context, sb *sandbox.Sandbox, n int) error {
	p, c, err := sb.Compile(ctx, "c", map[string][]byte{"main.c": []byte(sources["c"])})
	if err != nil || c.Status != run.OK {
		return fmt.Errorf("compile: %v %s", err, c.Output)
	}
	defer p.Close()
	var inBox, measured []time.Duration
	for i := 0; i < n+10; i++ {
		t0 := time.Now()
		r, err := p.Run(ctx, run.Spec{})
		d := time.Since(t0)
		if err != nil || r.Status != run.OK {
			return fmt.Errorf("run: %v %s", err, r.Status)
		}
		if i >= 10 {
			inBox = append(inBox, d)
			measured = append(measured, r.WallTime)
		}
	}
	bin, err := p.Artifact("main")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "sandboxbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "main")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		return err
	}
	var direct []time.Duration
	for i := 0; i < n+10; i++ {
		t0 := time.Now()
		out, err := exec.Command(path).Output()
		d := time.Since(t0)
		if err != nil || string(out) != "hello\n" {
			return fmt.Errorf("direct run: %v %q", err, out)
		}
		if i >= 10 {
			direct = append(direct, d)
		}
	}
	slices.Sort(inBox)
	slices.Sort(direct)
	slices.Sort(measured)
	mb, md := inBox[len(inBox)/2], direct[len(direct)/2]
	// sandbox = the host's whole Run call; program = the agent's fork-to-reap wall time of the
	// same runs; direct = fork/exec/wait of the same binary on the host from Go.
	fmt.Printf("overhead runs=%d sandbox_p50=%.2fms sandbox_p90=%.2fms program_p50=%.2fms direct_p50=%.2fms direct_p90=%.2fms overhead_p50=%.2fms\n",
		n, ms(mb), ms(inBox[len(inBox)*9/10]), ms(measured[len(measured)/2]), ms(md), ms(direct[len(direct)*9/10]), ms(mb-md))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// measureAgentRSS reports the agent's resident memory (read from the host: /proc of the
// container's PID 1) after a hello-world run, and its high-water mark after a run that writes
// 64 MiB to stdout and one that reads 64 MiB from stdin, each in a container of its own.
func measureAgentRSS(ctx context.Context, sb *sandbox.Sandbox, docker *client.Client) error {
	const size = 64 << 20
	cases := []struct {
		name, src string
		spec      run.Spec
	}{
		{"output", `#include <stdio.h>
#include <string.h>
int main(void){ static char b[1 << 16]; memset(b, 'x', sizeof b); for (int i = 0; i < 1024; i++) fwrite(b, 1, sizeof b, stdout); return 0; }`,
			run.Spec{Limits: run.Limits{CPUTime: 10 * time.Second, OutputBytes: size}}},
		{"input", `#include <stdio.h>
int main(void){ static char b[1 << 16]; size_t n = 0, k; while ((k = fread(b, 1, sizeof b, stdin)) > 0) n += k; printf("%zu\n", n); return 0; }`,
			run.Spec{Stdin: make([]byte, size), Limits: run.Limits{CPUTime: 10 * time.Second}}},
	}
	for _, c := range cases {
		p, comp, err := sb.Compile(ctx, "c", map[string][]byte{"main.c": []byte(c.src)})
		if err != nil || comp.Status != run.OK {
			return fmt.Errorf("compile %s: %v %s %s", c.name, err, comp.Status, comp.Output)
		}
		if r, err := p.Run(ctx, run.Spec{Stdin: []byte("x"), Limits: run.Limits{OutputBytes: size}}); err != nil {
			return fmt.Errorf("warm-up run: %v %+v", err, r.Status)
		}
		idleRSS, idleHWM, err := agentMemory(ctx, docker, p.Container())
		if err != nil {
			return err
		}
		r, err := p.Run(ctx, c.spec)
		if err != nil || r.Status != run.OK {
			return fmt.Errorf("run %s: %v %s %s", c.name, err, r.Status, r.Message)
		}
		_, hwm, err := agentMemory(ctx, docker, p.Container())
		if err != nil {
			return err
		}
		p.Close()
		fmt.Printf("agent-rss %s=64MiB idle_rss=%.1fMiB idle_hwm=%.1fMiB peak_hwm=%.1fMiB above_idle=%.1fMiB stdout=%d\n",
			c.name, mb(idleRSS), mb(idleHWM), mb(hwm), mb(hwm-idleRSS), len(r.Stdout))
	}
	return nil
}

// agentMemory reads VmRSS and VmHWM of the container's PID 1, the agent.
func agentMemory(ctx context.Context, docker *client.Client, id string) (rss, hwm int64, err error) {
	info, err := docker.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return 0, 0, err
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", info.Container.State.Pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read the agent's status (run on the Docker host): %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &kb); err == nil {
			rss = kb << 10
		}
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			hwm = kb << 10
		}
	}
	return rss, hwm, nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
