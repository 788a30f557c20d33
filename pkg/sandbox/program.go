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

	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/run"
	"github.com/judge-dev/judge/pkg/sandbox/agent"
)

// callGrace is how long past a run's wall-time cap the host waits for the agent's answer before
// it declares the container hung and destroys it.
const callGrace = 30 * time.Second

// Program is a compiled (or interpreted) submission ready to run. Its runs are serialised on
// one container, held from the first Run to Close.
type Program struct {
	s     *Sandbox
	lang  lang.Language
	cmd   lang.Command
	image string
	files map[string]agent.File

	mu     sync.Mutex
	fileID string
	box    *box
	closed bool
}

// Compile prepares files (one submission: file name → content) in language. A source that does
// not compile, or whose compile runs over the language's compile limits, is a CE in the
// returned run.Compiled with a nil Program; the error is only for the judge's own failures.
func (s *Sandbox) Compile(ctx context.Context, language string, files map[string][]byte) (*Program, run.Compiled, error) {
	l, ok := s.langs.Get(language)
	if !ok {
		return nil, run.Compiled{Status: run.IE}, fmt.Errorf("compile: unknown language %q", language)
	}
	return s.CompileLanguage(ctx, l, files)
}

// CompileLanguage is Compile in a language that need not be in the table (a package's
// build/run-script program, lang.BuildRun).
func (s *Sandbox) CompileLanguage(ctx context.Context, l lang.Language, files map[string][]byte) (*Program, run.Compiled, error) {
	language := l.ID
	sources, cmd, err := prepareSources(l, files)
	if err != nil {
		return nil, run.Compiled{Status: run.CE, Output: []byte(err.Error())}, nil
	}
	p := &Program{s: s, lang: l, cmd: cmd, image: image.Resolve(l.Image)}
	if !l.Compiled() {
		p.files = sources
		return p, run.Compiled{Status: run.OK}, nil
	}
	key := cacheKey(language, sources)
	if c, ok := s.cache.get(key); ok {
		p.files = c.files
		return p, c.compiled, nil
	}

	limits := withDefaults(l.CompileLimits)
	if l.CompileLimits.FileSizeBytes <= 0 {
		// Compilers and linkers write artifacts far larger than their console output.
		limits.FileSizeBytes = artifactCap
	}
	req := agent.Request{Argv: cmd.Compile, Env: env(l), Files: sources, CollectDir: ".", CollectBytes: artifactCap}
	limitsRequest(&req, limits)
	req.StderrBytes = compileOutputCap
	resp, err := s.once(ctx, p.image, &req, limits)
	if err != nil {
		return nil, run.Compiled{Status: run.IE}, fmt.Errorf("compile %s: %w", language, err)
	}
	res := classify(resp, limits)
	out := append(append([]byte{}, resp.Stdout...), resp.Stderr...)
	if len(out) > compileOutputCap {
		out = append(out[:compileOutputCap], "\n[compiler output truncated]"...)
	}
	c := run.Compiled{Output: out, CPUTime: res.CPUTime, WallTime: res.WallTime}
	switch {
	case res.Status == run.IE:
		c.Status = run.IE
		return nil, c, fmt.Errorf("compile %s: %s", language, res.Message)
	case res.Status != run.OK:
		c.Status = run.CE
		c.Output = append(c.Output, fmt.Sprintf("\n[judge: compile step %s: %s]", res.Status, res.Message)...)
		return nil, c, nil
	case resp.CollectTooLarge:
		c.Status = run.CE
		c.Output = append(c.Output, fmt.Sprintf("\n[judge: compile step left more than %d bytes of files]", artifactCap)...)
		return nil, c, nil
	}
	c.Status = run.OK
	p.files = resp.Files
	s.cache.put(key, cached{files: p.files, compiled: c})
	return p, c, nil
}

// once runs one request in a container of its own (the compile step) and hands it back.
func (s *Sandbox) once(ctx context.Context, img string, req *agent.Request, l run.Limits) (agent.Response, error) {
	pl := s.pool(img)
	b, err := pl.get(ctx)
	if err != nil {
		return agent.Response{}, err
	}
	if err := s.fit(ctx, b, l.MemoryBytes, l.Processes); err != nil {
		pl.put(b, false)
		return agent.Response{}, err
	}
	resp, err := b.call(ctx, req, time.Now().Add(l.WallTime+callGrace))
	pl.put(b, err == nil && resp.Dirty == "")
	if resp.Dirty != "" {
		s.log.Warn("sandbox container failed its wipe; destroyed", "container", short(b.id), "reason", resp.Dirty)
	}
	return resp, err
}

// prepareSources names the program's files for the language. A single file goes to the
// language's source file name. A program of several files keeps its names (includes between its
// files stay right) unless the language derives the name from the source ({main}); its main
// source is, as in problemtools, the one named main.* (else the first in path order) of the
// language's files, and the others of the language are what {sources} adds. A language without
// a source file name (lang.BuildRun) keeps every name. Names must be safe relative paths.
func prepareSources(l lang.Language, files map[string][]byte) (map[string]agent.File, lang.Command, error) {
	if len(files) == 0 {
		return nil, lang.Command{}, errors.New("the submission has no source file")
	}
	names := slices.Sorted(maps.Keys(files))
	srcs := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return !l.IsSource(n) })
	main := names[0]
	if len(names) > 1 && len(l.Extensions) > 0 {
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
	out := make(map[string]agent.File, len(files))
	for _, n := range names {
		if err := agent.ValidName(n); err != nil {
			return nil, lang.Command{}, fmt.Errorf("submission file: %w", err)
		}
		if n != main {
			out[n] = agent.File{Data: files[n]}
		}
	}
	if err := agent.ValidName(cmd.SourceFile); err != nil {
		return nil, lang.Command{}, fmt.Errorf("source file: %w", err)
	}
	if _, clash := out[cmd.SourceFile]; clash {
		return nil, lang.Command{}, fmt.Errorf("file %s would be overwritten by the main source %s", cmd.SourceFile, main)
	}
	out[cmd.SourceFile] = agent.File{Data: files[main]}
	for _, n := range []string{"build", "run"} {
		if f, ok := out[n]; ok && l.ID == lang.BuildRunID {
			out[n] = agent.File{Data: f.Data, Mode: 0o755} // archives keep no modes
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
	req, err := p.request(spec, limits)
	if err != nil {
		return run.Result{Status: run.IE, Message: err.Error()}, err
	}
	b, err := p.acquire(ctx, limits)
	if err != nil {
		return run.Result{Status: run.IE, Message: err.Error()}, err
	}
	p.withProgram(req, b)
	resp, err := b.call(ctx, req, time.Now().Add(limits.WallTime+callGrace))
	if err != nil {
		p.release(false)
		err = fmt.Errorf("run %s in %s: %w", p.lang.ID, short(b.id), err)
		return run.Result{Status: run.IE, Message: err.Error()}, err
	}
	p.sent(req, b, resp)
	return p.finish(resp, limits)
}

func (p *Program) finish(resp agent.Response, limits run.Limits) (run.Result, error) {
	if resp.Dirty != "" {
		p.s.log.Warn("sandbox container failed its wipe; destroyed", "container", short(p.box.id), "reason", resp.Dirty)
		p.release(false)
	}
	r := classify(resp, limits)
	r.Files = map[string][]byte{}
	for name, f := range resp.Files {
		r.Files[name] = f.Data
	}
	if r.Status == run.IE {
		return r, fmt.Errorf("run %s: %s", p.lang.ID, r.Message)
	}
	return r, nil
}

func (p *Program) request(spec run.Spec, limits run.Limits) (*agent.Request, error) {
	if p.closed {
		return nil, errors.New("program is closed")
	}
	var files map[string]agent.File
	if len(spec.Files) > 0 {
		files = make(map[string]agent.File, len(spec.Files))
		for name, data := range spec.Files {
			if err := agent.ValidName(name); err != nil {
				return nil, fmt.Errorf("spec file: %w", err)
			}
			if _, ok := p.files[name]; ok {
				return nil, fmt.Errorf("spec file %q has the name of one of the program's files", name)
			}
			files[name] = agent.File{Data: data}
			if spec.CollectDir != "" && strings.HasPrefix(name, spec.CollectDir+"/") {
				files[name] = agent.File{Data: data, Mode: 0o666} // the program may rewrite what it collects (multi-pass feedback)
			}
		}
	}
	if spec.CollectDir != "" {
		if err := agent.ValidName(spec.CollectDir); err != nil {
			return nil, fmt.Errorf("collect dir: %w", err)
		}
	}
	req := &agent.Request{
		Argv:         append(slices.Clone(p.cmd.Run), spec.Args...),
		Env:          env(p.lang),
		Files:        files,
		ProgramID:    p.id(),
		Stdin:        spec.Stdin,
		CollectDir:   spec.CollectDir,
		CollectBytes: artifactCap,
	}
	limitsRequest(req, limits)
	return req, nil
}

// id names the program's files for the agent's cache.
func (p *Program) id() string {
	if p.fileID == "" {
		p.fileID = hex.EncodeToString([]byte(cacheKey(p.lang.ID, p.files))[:12])
	}
	return p.fileID
}

// withProgram completes req for box b: the program's files travel only when b's agent does not
// hold them already.
func (p *Program) withProgram(req *agent.Request, b *box) {
	if b.programID != req.ProgramID {
		req.Program = p.files
	}
}

// sent records what b's agent caches after a request succeeded.
func (p *Program) sent(req *agent.Request, b *box, resp agent.Response) {
	if resp.Error != "" {
		b.programID = "" // unknown now: send the files with the next request
		return
	}
	if req.Program == nil {
		return
	}
	var size int64
	for _, f := range req.Program {
		size += int64(len(f.Data))
	}
	b.programID = ""
	if size <= agent.CacheBytes {
		b.programID = req.ProgramID
	}
}

// acquire returns the program's container, taking one from the pool on first use, with its
// cgroup limits fitted to limits.
func (p *Program) acquire(ctx context.Context, limits run.Limits) (*box, error) {
	if p.box == nil {
		b, err := p.s.pool(p.image).get(ctx)
		if err != nil {
			return nil, fmt.Errorf("get a container of %s: %w", p.image, err)
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
	return f.Data, nil
}
