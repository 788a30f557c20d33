package sandbox_test

import (
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

// BenchmarkLanguageHello measures, per language, the check program (read two numbers, print the
// sum) in reuse mode: the first run after the compile (first-ms: the program's first run in
// the container it was compiled in, a JIT has nothing cached) and then b.N warm runs in the same
// container (ns/op, cpu-ms, peak-MiB). docs/benchmarks.md has the figures and the command.
func BenchmarkLanguageHello(b *testing.B) {
	langs := mustLangs(b)
	for _, l := range langs.All() {
		b.Run(l.ID, func(b *testing.B) {
			testenv.Image(b, l.Image)
			e := newSandbox(b, sandbox.ModeReuse, func(o *sandbox.Options) { o.Images = []string{image.Resolve(l.Image)} })
			src, _ := image.Hello(l.ID)
			p := compile(b, e.sb, l.ID, string(src), run.OK)
			spec := run.Spec{Stdin: []byte("1000000000 2000000000\n"), Limits: okLimits}
			first := time.Now()
			if r := runProgram(b, p, spec); r.Status != run.OK {
				b.Fatalf("first run: %s (%s) %q", r.Status, r.Message, truncate(r.Stderr))
			}
			firstMs := float64(time.Since(first).Microseconds()) / 1000
			var cpu time.Duration
			var peak int64
			b.ResetTimer()
			for range b.N {
				r := runProgram(b, p, spec)
				if r.Status != run.OK {
					b.Fatalf("warm run: %s (%s)", r.Status, r.Message)
				}
				cpu += r.CPUTime
				peak = max(peak, r.MemoryBytes)
			}
			// After the loop: ResetTimer deletes metrics reported before it.
			b.ReportMetric(firstMs, "first-ms")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
	}
}
