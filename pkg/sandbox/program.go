package sandbox

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/docker/go-units"

	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox/agent"
)

// callGrace is how long past a run's wall-time cap the host waits for the agent's answer before
// it declares the container hung and destroys it.
const callGrace = 30 * time.Second

// Program is a compiled (or interpreted) submission ready to run. Its runs are serialised on
// one container, held from the compile (the first Run when nothing was compiled: an interpreted
// language, a compile-cache hit) to Close.
type Program struct {
	s     *Sandbox
	lang  lang.Language
	cmd   lang.Command
	image string
	files map[string]file

	mu     sync.Mutex
	fileID string
	box    *box
	closed bool
}

// Compile prepares files (one submission: file name → content) in language. A source that does
// not compile, or whose compile runs over the language's compile limits, is a CE in the
// returned run.Compiled with a nil Program; the error is only for the judge's own failures.
func (s *Sandbox) Compile(ctx context.Context, language string, files map[string][]byte) (*Program, run.Compiled, error) {
	return s.CompileEntry(ctx, language, files, "")
}

// CompileEntry is Compile of a multi-file submission whose main file (the one run, or holding
// the main class) is entry, one of files; "" leaves the choice to the language's rule
// (prepareSources).
func (s *Sandbox) CompileEntry(ctx context.Context, language string, files map[string][]byte, entry string) (*Program, run.Compiled, error) {
	l, ok := s.langs.Get(language)
	if !ok {
		return nil, run.Compiled{Status: run.IE}, fmt.Errorf("compile: unknown language %q", language)
	}
	return s.compile(ctx, l, files, entry)
}

// CompileLanguage is CompileEntry in a language that need not be in the table (a package's
// build/run-script program, lang.BuildRun).
func (s *Sandbox) CompileLanguage(ctx context.Context, l lang.Language, files map[string][]byte, entry string) (*Program, run.Compiled, error) {
	return s.compile(ctx, l, files, entry)
}

func (s *Sandbox) compile(ctx context.Context, l lang.Language, files map[string][]byte, entry string) (*Program, run.Compiled, error) {
	language := l.ID
	sources, cmd, err := prepareSources(l, files, entry)
	if err != nil {
		return nil, run.Compiled{Status: run.CE, Output: []byte(err.Error())}, nil
	}
	p := &Program{s: s, lang: l, cmd: cmd, image: image.Resolve(l.Image)}
	if !l.Compiled() {
		p.files = sources
		return p, run.Compiled{Status: run.OK}, nil
	}
	// Every file and the compile argv (which the entry decides) make the key: two programs
	// differing in a header, or only in their entry, never share artifacts.
	key := cacheKey(language+"\x00"+strings.Join(cmd.Compile, "\x00"), sources)
	if c, ok := s.cache.get(key); ok {
		p.files = c.files
		return p, c.compiled, nil
	}

	limits := withDefaults(l.CompileLimits)
	if l.CompileLimits.FileSizeBytes <= 0 {
		// Compilers and linkers write artifacts far larger than their console output.
		limits.FileSizeBytes = artifactCap
	}
	req := &agent.Request{Argv: cmd.Compile, Env: env(l), CollectDir: ".", CollectBytes: artifactCap}
	limitsRequest(req, limits)
	// The compile step's stdout limit is the language's (a verdict past it); of what it prints
	// the host keeps 64 KiB to show, and stderr past that is dropped, not an error.
	req.StderrBytes = compileOutputCap
	o := &outgoing{req: req}
	req.Files, o.data = headers(sources)
	r := &reply{stdoutCap: compileOutputCap, stderrCap: compileOutputCap}
	b, err := s.compileIn(ctx, p.image, o, r, limits)
	if err != nil {
		return nil, run.Compiled{Status: run.IE}, fmt.Errorf("compile %s: %w", language, err)
	}
	// The compile's container runs the program too (see compileIn) unless the compile failed.
	ok := false
	defer func() {
		if !ok {
			s.pool(p.image).put(b, r.resp.Dirty == "")
		}
	}()
	res := classify(r, limits)
	out := append(append([]byte{}, r.stdout...), r.stderr...)
	c := run.Compiled{Output: []byte(run.Text(out, compileOutputCap)), CPUTime: res.CPUTime, WallTime: res.WallTime}
	ce := func(format string, args ...any) (*Program, run.Compiled, error) {
		c.Status = run.CE
		c.Output = append(c.Output, "\n[judge: "+run.Text([]byte(fmt.Sprintf(format, args...)), 4<<10)+"]"...)
		return nil, c, nil
	}
	switch {
	case res.Status == run.IE:
		c.Status = run.IE
		return nil, c, fmt.Errorf("compile %s: %s", language, res.Message)
	case res.Status != run.OK:
		return ce("compile step %s: %s", res.Status, res.Message)
	case r.resp.CollectTooLarge:
		return ce("the compile step left more than %s of files in the work directory", units.BytesSize(artifactCap))
	case len(r.resp.BadNames) > 0:
		return ce("the compile step left a file whose name cannot be stored: %q (names must be UTF-8 relative paths without backslashes or control characters)", r.resp.BadNames[0])
	}
	c.Status = run.OK
	p.files = make(map[string]file, len(r.files))
	var size int64
	for name, data := range r.files {
		p.files[name] = file{data: data, mode: r.modes[name]}
		size += int64(len(data))
	}
	s.cache.put(key, cached{files: p.files, compiled: c, size: size})
	if r.resp.Dirty == "" {
		ok = true
		p.box = b
	}
	return p, c, nil
}

// compileIn runs the compile request in a container from the pool and returns the container,
// still held: the submission's runs use it too, so that a fresh-mode submission of a compiled
// language costs one container, not two. The agent wipes the work directory after the compile
// as after any run, so the program starts from the same clean container a new one would give
// it; the container was the submission's own from the start. On an error the container is
// already released.
func (s *Sandbox) compileIn(ctx context.Context, img string, o *outgoing, r *reply, l run.Limits) (*box, error) {
	pl := s.pool(img)
	for try := 0; ; try++ {
		b, err := pl.get(ctx)
		if err != nil {
			return nil, fmt.Errorf("get a container of %s: %w: %w", img, run.ErrInfrastructure, err)
		}
		if err := s.fit(ctx, b, l.MemoryBytes, l.Processes); err != nil {
			pl.put(b, false)
			return nil, err
		}
		b.programID = "" // a compile replaces whatever program the agent kept
		err = b.call(ctx, o, r, time.Now().Add(l.WallTime+callGrace))
		r.close()
		if r.resp.Dirty != "" {
			s.log.Warn("sandbox container failed its wipe; destroyed", "container", short(b.id), "reason", r.resp.Dirty)
		}
		if err == nil {
			return b, nil
		}
		if try == 0 && errors.Is(err, errDeadStream) {
			// A pooled container whose stream died (an engine outage): once more, in another.
			s.log.Warn("sandbox container's stream was closed; retrying in another", "container", short(b.id), "err", err)
			pl.put(b, false)
			*r = reply{stdoutCap: r.stdoutCap, stderrCap: r.stderrCap, onStdout: r.onStdout}
			continue
		}
		// Asked before the container is released: its removal would answer for the engine.
		err = s.blameEngine(ctx, b, err)
		pl.put(b, false)
		return nil, err
	}
}

// file is one file of a program: a source or a compiled artifact.
type file struct {
	data []byte
	mode uint32
}

// headers lists files in name order with their bytes in the same order.
func headers(files map[string]file) ([]agent.FileHeader, [][]byte) {
	names := slices.Sorted(maps.Keys(files))
	hs := make([]agent.FileHeader, 0, len(names))
	data := make([][]byte, 0, len(names))
	for _, n := range names {
		f := files[n]
		hs = append(hs, agent.FileHeader{Name: n, Mode: f.mode, Size: int64(len(f.data))})
		data = append(data, f.data)
	}
	return hs, data
}

// prepareSources names the program's files for the language. A single file goes to the
// language's source file name. A program of several files keeps its names (includes between its
// files stay right) unless the language derives the name from the source ({main}); its main
// source is, as in problemtools, the one named main.* (else the first in path order) of the
// language's files, and the others of the language are what {sources} adds. A language without
// a source file name (lang.BuildRun) keeps every name. Names must be safe relative paths. A
// non-empty entry (a multi-file submission's) names the main source instead.
func prepareSources(l lang.Language, files map[string][]byte, entry string) (map[string]file, lang.Command, error) {
	if len(files) == 0 {
		return nil, lang.Command{}, errors.New("the submission has no source file")
	}
	names := slices.Sorted(maps.Keys(files))
	srcs := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return !l.IsSource(n) })
	main := names[0]
	if entry != "" {
		if _, ok := files[entry]; !ok {
			return nil, lang.Command{}, fmt.Errorf("the entry %q is not one of the submission's files", entry)
		}
		main = entry
	} else if len(names) > 1 && len(l.Extensions) > 0 {
		if len(srcs) == 0 {
			return nil, lang.Command{}, fmt.Errorf("no file of the submission ends in %s", strings.Join(l.Extensions, ", "))
		}
		main = srcs[0]
		if i := slices.IndexFunc(srcs, func(n string) bool { return strings.HasPrefix(strings.ToLower(path.Base(n)), "main.") }); i >= 0 {
			main = srcs[i]
		}
	}
	if l.SourceFile == "" || len(names) > 1 && !strings.Contains(l.SourceFile, "{main}") {
		l.SourceFile = main
	}
	cmd, err := l.Prepare(files[main], slices.DeleteFunc(srcs, func(n string) bool { return n == main })...)
	if err != nil {
		return nil, lang.Command{}, err
	}
	out := make(map[string]file, len(files))
	for _, n := range names {
		if err := agent.ValidName(n); err != nil {
			return nil, lang.Command{}, fmt.Errorf("submission file: %w", err)
		}
		if n != main {
			out[n] = file{data: files[n]}
		}
	}
	if err := agent.ValidName(cmd.SourceFile); err != nil {
		return nil, lang.Command{}, fmt.Errorf("source file: %w", err)
	}
	if _, clash := out[cmd.SourceFile]; clash {
		return nil, lang.Command{}, fmt.Errorf("file %s would be overwritten by the main source %s", cmd.SourceFile, main)
	}
	out[cmd.SourceFile] = file{data: files[main]}
	for _, n := range []string{"build", "run"} {
		if f, ok := out[n]; ok && l.ID == lang.BuildRunID {
			out[n] = file{data: f.data, mode: 0o755} // archives keep no modes
		}
	}
	return out, cmd, nil
}

// env is the programs' environment: a fixed base plus the language's settings.
func env(l lang.Language) []string {
	base := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp", "LANG=C.UTF-8", "TMPDIR=/tmp"}
	for _, kv := range l.Env {
		k, _, _ := strings.Cut(kv, "=")
		base = slices.DeleteFunc(base, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		base = append(base, kv)
	}
	return base
}

// Run executes the program once.
func (p *Program) Run(ctx context.Context, spec run.Spec) (run.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	limits := withDefaults(spec.Limits)
	for try := 0; ; try++ {
		o, err := p.request(spec, limits)
		if err != nil {
			return run.Result{Status: run.IE, Message: err.Error()}, err
		}
		o.req.StdinBytes = int64(len(spec.Stdin))
		o.data = append(o.data, spec.Stdin)
		b, err := p.acquire(ctx, limits)
		if err != nil {
			return run.Result{Status: run.IE, Message: err.Error()}, err
		}
		p.withProgram(o, b)
		r := &reply{stdoutCap: limits.OutputBytes, stderrCap: limits.StderrBytes}
		if err := b.call(ctx, o, r, time.Now().Add(limits.WallTime+callGrace)); err != nil {
			r.close()
			if try == 0 && errors.Is(err, errDeadStream) {
				// The container's stream died while it waited (an engine outage); the request
				// never reached its agent: once more, in another container.
				p.s.log.Warn("sandbox container's stream was closed; retrying in another", "container", short(b.id), "err", err)
				p.release(false)
				continue
			}
			// Asked before the container is released: its removal would answer for the engine.
			err = fmt.Errorf("run %s in %s: %w", p.lang.ID, short(b.id), p.s.blameEngine(ctx, b, err))
			p.release(false)
			return run.Result{Status: run.IE, Message: err.Error()}, err
		}
		p.sent(o.req, b, r.resp)
		res, err := p.finish(r, limits)
		r.close()
		return res, err
	}
}

func (p *Program) finish(r *reply, limits run.Limits) (run.Result, error) {
	if r.resp.Dirty != "" {
		p.s.log.Warn("sandbox container failed its wipe; destroyed", "container", short(p.box.id), "reason", r.resp.Dirty)
		p.release(false)
	}
	res := classify(r, limits)
	res.Files = r.files
	if res.Files == nil {
		res.Files = map[string][]byte{}
	}
	if len(r.resp.BadNames) > 0 {
		res.Message = strings.TrimPrefix(res.Message+"; ", "; ") + run.Text([]byte(fmt.Sprintf("files with unusable names were not collected: %q", r.resp.BadNames)), 1<<10)
	}
	if res.Status == run.IE {
		return res, fmt.Errorf("run %s: %s", p.lang.ID, res.Message)
	}
	return res, nil
}

// request builds the spec's part of a request: its files (the program's are added per box).
func (p *Program) request(spec run.Spec, limits run.Limits) (*outgoing, error) {
	if p.closed {
		return nil, errors.New("program is closed")
	}
	var files map[string]file
	if len(spec.Files) > 0 {
		files = make(map[string]file, len(spec.Files))
		for name, data := range spec.Files {
			if err := agent.ValidName(name); err != nil {
				return nil, fmt.Errorf("spec file: %w", err)
			}
			if _, ok := p.files[name]; ok {
				return nil, fmt.Errorf("spec file %q has the name of one of the program's files", name)
			}
			files[name] = file{data: data}
			if spec.CollectDir != "" && strings.HasPrefix(name, spec.CollectDir+"/") {
				files[name] = file{data: data, mode: 0o666} // the program may rewrite what it collects (multi-pass feedback)
			}
		}
	}
	if spec.CollectDir != "" {
		if err := agent.ValidName(spec.CollectDir); err != nil {
			return nil, fmt.Errorf("collect dir: %w", err)
		}
	}
	req := &agent.Request{
		Argv:           append(slices.Clone(p.cmd.Run), spec.Args...),
		Env:            env(p.lang),
		ProgramID:      p.id(),
		StderrToStdout: spec.StderrToStdout,
		CollectDir:     spec.CollectDir,
		CollectBytes:   artifactCap,
	}
	limitsRequest(req, limits)
	o := &outgoing{req: req}
	req.Files, o.data = headers(files)
	return o, nil
}

// id names the program's files for the agent's cache.
func (p *Program) id() string {
	if p.fileID == "" {
		p.fileID = hex.EncodeToString([]byte(cacheKey(p.lang.ID, p.files))[:12])
	}
	return p.fileID
}

// withProgram completes o for box b: the program's files travel (first) only when b's agent
// does not keep them already.
func (p *Program) withProgram(o *outgoing, b *box) {
	if b.programID == o.req.ProgramID {
		return
	}
	hs, data := headers(p.files)
	if hs == nil {
		hs = []agent.FileHeader{}
	}
	o.req.Program = hs
	o.data = append(data, o.data...)
}

// sent records what b's agent keeps after a request ended.
func (p *Program) sent(req *agent.Request, b *box, resp agent.Response) {
	switch {
	case resp.Error != "" || resp.Dirty != "":
		b.programID = "" // unknown now: send the files with the next request
	case req.Program != nil:
		b.programID = req.ProgramID
	}
}

// acquire returns the program's container, taking one from the pool on first use, with its
// cgroup limits fitted to limits.
func (p *Program) acquire(ctx context.Context, limits run.Limits) (*box, error) {
	if p.box == nil {
		b, err := p.s.pool(p.image).get(ctx)
		if err != nil {
			// No container to be had is the engine's fault, never the program's.
			return nil, fmt.Errorf("get a container of %s: %w: %w", p.image, run.ErrInfrastructure, err)
		}
		p.box = b
	}
	if err := p.s.fit(ctx, p.box, limits.MemoryBytes, limits.Processes); err != nil {
		p.release(false)
		return nil, err
	}
	return p.box, nil
}

// release hands the container back (healthy) or destroys it.
func (p *Program) release(healthy bool) {
	if p.box == nil {
		return
	}
	p.s.pool(p.image).put(p.box, healthy)
	p.box = nil
}

// Close releases the program's container: back to the pool in reuse mode, destroyed in fresh.
func (p *Program) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.release(true)
	return nil
}

// Container is the id of the container the program currently holds ("" before the first run
// and after Close), for logs and tests.
func (p *Program) Container() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.box == nil {
		return ""
	}
	return p.box.id
}

// Files lists the program's files (sources and compiled artifacts), for diagnostics.
func (p *Program) Files() []string {
	names := make([]string, 0, len(p.files))
	for n := range p.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Artifact returns one of the program's files (a compiled binary, say), for diagnostics and
// benchmarks.
func (p *Program) Artifact(name string) ([]byte, error) {
	f, ok := p.files[name]
	if !ok {
		return nil, fmt.Errorf("program has no file %q (has %v)", name, p.Files())
	}
	return f.data, nil
}
