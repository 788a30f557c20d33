package judgedcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/engine"
	"github.com/judge-dev/judge/pkg/engine/sandboxed"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox"
)

func newSandboxCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Judge one program locally in the sandbox, for operators",
	}
	cmd.AddCommand(newSandboxRunCmd(a))
	return cmd
}

// sandboxRunOptions are the flags of `judged sandbox run`.
type sandboxRunOptions struct {
	lang, file, stdin   string
	cpu, wall           time.Duration
	memory, output      string
	mode, format, agent string
	show                int
}

func newSandboxRunCmd(a *app) *cobra.Command {
	o := sandboxRunOptions{}
	cmd := &cobra.Command{
		Use:   "run --file FILE [--lang ID] [--stdin FILE]",
		Short: "Compile and run one source file in the sandbox and print what was measured",
		Long: "Compile FILE (if its language compiles) in a container of its own, run it once with --stdin as\n" +
			"input under the given limits, and print the compile and run results: status (OK, TLE, MLE, OLE,\n" +
			"RE, CE, IE), exit code, signal, CPU and wall time, peak memory, and the start of stdout/stderr.\n" +
			"Exits 0 whenever the program was judged, whatever it did; non-zero only for bad flags (2) or a\n" +
			"failure of the judge itself (1). Sizes accept KiB, MiB and GiB.",
		Example: "  judged sandbox run --lang python3 --file main.py --stdin in.txt --time 1s --memory 128MiB -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.sandboxRun(cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.file, "file", "", "source file to judge (required)")
	f.StringVar(&o.lang, "lang", "", "language id (default: from the file's extension)")
	f.StringVar(&o.stdin, "stdin", "", "file fed to the program's stdin (default: empty input)")
	f.DurationVar(&o.cpu, "time", 2*time.Second, "CPU time limit")
	f.DurationVar(&o.wall, "wall-time", 0, "wall time limit (default 3×time+1s)")
	f.StringVar(&o.memory, "memory", "256MiB", "memory limit")
	f.StringVar(&o.output, "output", "64MiB", "stdout limit")
	f.StringVar(&o.mode, "mode", "", "isolation mode: fresh or reuse (default: the configured sandbox_mode)")
	f.StringVarP(&o.format, "output-format", "o", "text", "output format: text or json")
	f.StringVar(&o.agent, "agent", "", "static judged binary mounted into containers as the agent (default: this binary)")
	f.IntVar(&o.show, "show", 4096, "bytes of stdout, stderr and compiler output to print")
	return cmd
}

// sandboxReport is the JSON form of `judged sandbox run -o json`.
type sandboxReport struct {
	Language string        `json:"language"`
	Compile  compileReport `json:"compile"`
	Run      *runReport    `json:"run,omitempty"`
}

type compileReport struct {
	Status string `json:"status"`
	Output string `json:"output,omitempty"`
	CPUMs  int64  `json:"cpu_ms"`
	WallMs int64  `json:"wall_ms"`
}

type runReport struct {
	Status   string `json:"status"`
	Message  string `json:"message,omitempty"`
	ExitCode int    `json:"exit_code"`
	Signal   string `json:"signal,omitempty"`
	CPUMs    int64  `json:"cpu_ms"`
	WallMs   int64  `json:"wall_ms"`
	MemoryKB int64  `json:"memory_kb"`
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	// StdoutRaw and StderrRaw are the same bytes unchanged (base64 in JSON), for output that
	// is not text.
	StdoutRaw       []byte `json:"stdout_raw,omitempty"`
	StderrRaw       []byte `json:"stderr_raw,omitempty"`
	StdoutTruncated bool   `json:"stdout_truncated"`
}

func (a *app) sandboxRun(cmd *cobra.Command, o sandboxRunOptions) error {
	usage := func(format string, args ...any) error {
		return &exitError{code: 2, err: fmt.Errorf("sandbox run: "+format, args...)}
	}
	if o.file == "" {
		return usage("--file is required (the source to judge)")
	}
	if o.format != "text" && o.format != "json" {
		return usage("-o %q: want text or json", o.format)
	}
	if o.cpu <= 0 {
		return usage("--time %s: want a positive duration such as 2s", o.cpu)
	}
	mem, err := lang.ParseSize(o.memory)
	if err != nil || mem <= 0 {
		return usage("--memory %q: want a size such as 256MiB", o.memory)
	}
	out, err := lang.ParseSize(o.output)
	if err != nil || out <= 0 {
		return usage("--output %q: want a size such as 64MiB", o.output)
	}
	cfg, err := a.loadConfig(cmd)
	if err != nil {
		return err
	}
	if o.mode == "" {
		o.mode = cfg.SandboxMode
	}
	if o.mode != sandbox.ModeFresh && o.mode != sandbox.ModeReuse {
		return usage("--mode %q: want fresh or reuse", o.mode)
	}
	tab, err := lang.Load(cfg.LanguagesFile)
	if err != nil {
		return err
	}
	if o.lang == "" {
		ls := tab.ByExtension(filepath.Ext(o.file))
		if len(ls) == 0 {
			return usage("cannot tell the language of %s from its extension: pass --lang", o.file)
		}
		o.lang = ls[0].ID
	}
	l, ok := tab.Get(o.lang)
	if !ok {
		var ids []string
		for _, l := range tab.All() {
			ids = append(ids, l.ID)
		}
		return usage("--lang %q is not a known language (known: %s)", o.lang, strings.Join(ids, ", "))
	}
	src, err := os.ReadFile(o.file)
	if err != nil {
		return usage("read --file: %v", err)
	}
	var stdin []byte
	if o.stdin != "" {
		if stdin, err = os.ReadFile(o.stdin); err != nil {
			return usage("read --stdin: %v", err)
		}
	}

	d, err := dockerClient(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	ctx := cmd.Context()
	sb, err := sandbox.New(ctx, d, tab, sandbox.Options{
		Mode:      o.mode,
		AgentPath: o.agent,
		PoolSize:  1,
		Images:    []string{},
		Logger:    a.logger(cfg),
	})
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		_ = sb.Close(ctx)
	}()
	if ok, err := image.Exists(ctx, d, image.Resolve(l.Image)); err == nil && !ok {
		return fmt.Errorf("image %s of language %s is not built: run `judged image build %s`", image.Resolve(l.Image), l.ID, l.Image)
	}

	rep := sandboxReport{Language: l.ID}
	sub := engine.Submission{Language: l, Files: map[string][]byte{filepath.Base(o.file): src}}
	c, r, err := sandboxed.New(sb, tab).Run(ctx, sub, run.Spec{Stdin: stdin, Limits: run.Limits{CPUTime: o.cpu, WallTime: o.wall, MemoryBytes: mem, OutputBytes: out}})
	rep.Compile = compileReport{Status: string(c.Status), Output: clip(c.Output, o.show), CPUMs: c.CPUTime.Milliseconds(), WallMs: c.WallTime.Milliseconds()}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if r != nil {
		rep.Run = &runReport{
			Status: string(r.Status), Message: r.Message, ExitCode: r.ExitCode, Signal: r.Signal,
			CPUMs: r.CPUTime.Milliseconds(), WallMs: r.WallTime.Milliseconds(), MemoryKB: r.MemoryBytes / 1024,
			Stdout: clip(r.Stdout, o.show), Stderr: clip(r.Stderr, o.show), StdoutTruncated: r.StdoutTruncated,
			StdoutRaw: r.Stdout[:min(len(r.Stdout), max(o.show, 0))], StderrRaw: r.Stderr[:min(len(r.Stderr), max(o.show, 0))],
		}
	}
	if o.format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printReport(a.stdout, rep)
	return nil
}

func printReport(w io.Writer, rep sandboxReport) {
	c := rep.Compile
	fmt.Fprintf(w, "language  %s\ncompile   %s (cpu %d ms, wall %d ms)\n", rep.Language, c.Status, c.CPUMs, c.WallMs)
	if c.Output != "" {
		fmt.Fprintf(w, "--- compiler output\n%s\n", strings.TrimRight(c.Output, "\n"))
	}
	r := rep.Run
	if r == nil {
		return
	}
	fmt.Fprintf(w, "status    %s\nexit      %d\nsignal    %s\ncpu_ms    %d\nwall_ms   %d\nmemory_kb %d\n",
		r.Status, r.ExitCode, dash(r.Signal), r.CPUMs, r.WallMs, r.MemoryKB)
	if r.Message != "" {
		fmt.Fprintf(w, "message   %s\n", r.Message)
	}
	fmt.Fprintf(w, "--- stdout%s\n%s", map[bool]string{true: " (truncated at the output limit)"}[r.StdoutTruncated], r.Stdout)
	if r.Stdout != "" && !strings.HasSuffix(r.Stdout, "\n") {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "--- stderr\n%s", r.Stderr)
	if r.Stderr != "" && !strings.HasSuffix(r.Stderr, "\n") {
		fmt.Fprintln(w)
	}
}

// clip shows the first n bytes of b as text (run.Text: storable, cut on a character).
func clip(b []byte, n int) string {
	if n >= 0 && len(b) > n {
		return run.Text(b[:n], 0) + fmt.Sprintf("\n[... %d more bytes]", len(b)-n)
	}
	return run.Text(b, 0)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
