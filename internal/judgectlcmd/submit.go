package judgectlcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/client"
	"github.com/judge-dev/judge/pkg/srcfiles"
)

// SubmitOptions are the inputs of `judgectl submit`.
type SubmitOptions struct {
	IO     *IOStreams
	Client func() (*client.Client, error)

	Files   []string
	Problem string
	Lang    string
	Entry   string // the entry of a folder submission (default: detected)
	// Together sends the FILEs as one multi-file submission instead of one each.
	Together bool
	Stdin    string // file with the program's input, for an ad-hoc run
	Expected string // file with the expected output, for an ad-hoc run
	Wait     bool
	Format   string
	// TimeLimit and MemoryMB override the problem's or the server's defaults (0 = keep).
	TimeLimit time.Duration
	MemoryMB  int
	// Parallel bounds concurrent submissions.
	Parallel int
}

func newSubmitCmd(f *Factory, runF func(context.Context, *SubmitOptions) error) *cobra.Command {
	opts := &SubmitOptions{IO: f.IO, Client: f.Client}
	cmd := &cobra.Command{
		Use:         "submit FILE|DIR...",
		Annotations: map[string]string{annotationExitStatus: exitStatusVerdict},
		Short:       "Submit source files to a problem (or as an ad-hoc run) and optionally wait for the verdict",
		Long: `submit sends each FILE as a submission ("-" reads one from standard input, with --lang).
The language comes from the file extension (GET /v1/languages) unless --lang is given. Several files are submitted concurrently.

A DIR is one multi-file submission of every file under it (paths kept; hidden files and folders,
build-output folders such as build/ and target/, and compiled files such as *.o and *.class are
skipped). Its language is the one with the most source files, its entry (the file run, or
holding the main class) --entry or the one source with a main function; the server's caps on
files, bytes and path length apply (413/422 naming the file). --together sends several FILEs
as one such submission, under their paths as given (relative, inside the current folder).
Without
--problem the run is ad hoc: --stdin gives its input and --expected the output to compare.

With --wait, progress is shown per test as it finishes and judgectl exits with the verdict's
code: 0 AC, 1 rejected (WA, TLE, MLE, OLE, RE, PA), 2 CE, 3 IE or error; with several files
the highest code wins.`,
		Example: `  judgectl submit hello.py --problem hello --wait
  judgectl submit a.c b.cpp --problem sum -o json
  judgectl submit prog.rs --stdin in.txt --expected out.txt --wait
  judgectl submit project/ --problem sum --entry src/Main.java --wait
  judgectl submit --together main.c list.c list.h -p sum --wait`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return flagErrorf("submit needs at least one source FILE or DIR")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if n := slices.Index(args, "-"); n >= 0 && slices.Index(args[n+1:], "-") >= 0 {
				return flagErrorf("standard input (-) can be given only once")
			}
			if opts.Problem != "" && (opts.Stdin != "" || opts.Expected != "") {
				return flagErrorf("--stdin and --expected are for ad-hoc runs; a --problem brings its own tests")
			}
			if opts.TimeLimit < 0 || opts.TimeLimit%time.Millisecond != 0 {
				return flagErrorf("--time-limit %s: give a positive whole number of milliseconds, e.g. 2s or 1500ms", opts.TimeLimit)
			}
			if opts.MemoryMB < 0 {
				return flagErrorf("--memory-limit %d: must be a positive number of MB", opts.MemoryMB)
			}
			if opts.Parallel < 1 {
				return flagErrorf("--parallel must be at least 1, got %d", opts.Parallel)
			}
			if isReportFormat(opts.Format) && !opts.Wait {
				return flagErrorf("-o %s reports the verdict: add --wait", opts.Format)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return submitRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Problem, "problem", "p", "", "problem slug (omit for an ad-hoc run)")
	fl.StringVarP(&opts.Lang, "lang", "l", "", "language ID (default: detected from the file extension)")
	fl.BoolVar(&opts.Together, "together", false, "send the FILEs as one multi-file submission (paths as given, relative)")
	fl.StringVar(&opts.Entry, "entry", "", "entry of a DIR submission: the file run or holding the main class, relative to DIR (default: detected)")
	fl.StringVar(&opts.Stdin, "stdin", "", "file given to the program as standard input (ad-hoc runs)")
	fl.StringVar(&opts.Expected, "expected", "", "file with the expected output (ad-hoc runs)")
	fl.BoolVarP(&opts.Wait, "wait", "w", false, "follow progress and exit with the verdict's code")
	addOutputFlag(cmd, &opts.Format, formatTable, reportFormats...)
	fl.IntVar(&opts.Parallel, "parallel", 8, "how many files are submitted at once")
	fl.DurationVar(&opts.TimeLimit, "time-limit", 0, "CPU time limit per test, e.g. 2s (default: the problem's or the server's)")
	fl.IntVar(&opts.MemoryMB, "memory-limit", 0, "memory limit in MB (default: the problem's or the server's)")
	_ = cmd.RegisterFlagCompletionFunc("lang", f.completeLanguages())
	_ = cmd.RegisterFlagCompletionFunc("problem", f.completeProblems())
	return cmd
}

// prepared is one file ready to send.
type prepared struct {
	file string
	req  apiv1.SubmissionRequest
}

func submitRun(ctx context.Context, opts *SubmitOptions) error {
	reqs, err := prepareSubmissions(ctx, opts)
	if err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	accepted := make([]*apiv1.SubmissionAccepted, len(reqs))
	finals := make([]*apiv1.Submission, len(reqs))
	// Progress of concurrent follows shares one lock, so lines never interleave; it goes to
	// stderr when stdout carries JSON or YAML.
	var mu sync.Mutex
	progress := opts.IO.Out
	if opts.Format != formatTable {
		progress = opts.IO.ErrOut
	}
	outMu := lockedWriter{w: progress, mu: &mu}
	errMu := lockedWriter{w: opts.IO.ErrOut, mu: &mu}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Parallel)
	for i, p := range reqs {
		g.Go(func() error {
			acc, err := c.Submit(gctx, p.req, client.NewIdempotencyKey())
			if err != nil {
				return fmt.Errorf("%s: %w", p.file, err)
			}
			accepted[i] = acc
			if !opts.Wait {
				return nil
			}
			prefix := ""
			if len(reqs) > 1 {
				prefix = filepath.Base(p.file) + ": "
			}
			fmt.Fprintf(&errMu, "%ssubmitted as %s\n", prefix, acc.ID)
			s, err := follow(gctx, c, acc.ID, &outMu, &errMu, prefix)
			if err != nil {
				return fmt.Errorf("%s (%s): %w", p.file, acc.ID, err)
			}
			finals[i] = s
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if opts.Wait {
		var labels []string
		if len(reqs) > 1 {
			for _, r := range reqs {
				labels = append(labels, r.file)
			}
		}
		return finish(opts.IO, opts.Format, c.BaseURL(), finals, labels...)
	}
	if opts.Format != formatTable {
		if len(accepted) == 1 {
			return writeData(opts.IO.Out, opts.Format, accepted[0])
		}
		return writeData(opts.IO.Out, opts.Format, accepted)
	}
	t := newTable(opts.IO, "ID", "FILE", "LANGUAGE", "STATUS")
	for i, a := range accepted {
		t.add(a.ID, reqs[i].file, reqs[i].req.Language, a.Status)
	}
	return t.render()
}

// prepareSubmissions reads every file and picks its language, failing before anything is sent.
func prepareSubmissions(ctx context.Context, opts *SubmitOptions) ([]prepared, error) {
	var stdin, expected *string
	for _, in := range []struct {
		path string
		dst  **string
		flag string
	}{{opts.Stdin, &stdin, "--stdin"}, {opts.Expected, &expected, "--expected"}} {
		if in.path == "" {
			continue
		}
		data, err := os.ReadFile(in.path)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", in.flag, in.path, err)
		}
		s := string(data)
		*in.dst = &s
	}
	var langs []apiv1.Language
	out := make([]prepared, 0, len(opts.Files))
	languages := func() ([]apiv1.Language, error) {
		if langs != nil {
			return langs, nil
		}
		c, err := opts.Client()
		if err != nil {
			return nil, err
		}
		langs, err = c.Languages(ctx)
		return langs, err
	}
	if opts.Together {
		req, err := togetherRequest(opts.Files, opts.Lang, opts.Entry, languages)
		if err != nil {
			return nil, err
		}
		req.Problem, req.Stdin, req.ExpectedOutput = opts.Problem, stdin, expected
		if opts.TimeLimit > 0 || opts.MemoryMB > 0 {
			req.Limits = &apiv1.Limits{TimeMS: int(opts.TimeLimit.Milliseconds()), MemoryKB: int64(opts.MemoryMB) * 1024}
		}
		return []prepared{{file: strings.Join(opts.Files, " "), req: req}}, nil
	}
	for _, file := range opts.Files {
		if st, err := os.Stat(file); file != "-" && err == nil && st.IsDir() {
			req, err := folderRequest(file, opts.Lang, opts.Entry, languages)
			if err != nil {
				return nil, err
			}
			req.Problem, req.Stdin, req.ExpectedOutput = opts.Problem, stdin, expected
			if opts.TimeLimit > 0 || opts.MemoryMB > 0 {
				req.Limits = &apiv1.Limits{TimeMS: int(opts.TimeLimit.Milliseconds()), MemoryKB: int64(opts.MemoryMB) * 1024}
			}
			out = append(out, prepared{file: file, req: req})
			continue
		}
		if opts.Entry != "" {
			return nil, flagErrorf("--entry names the entry of a DIR (or --together) submission; %s is a file", file)
		}
		var src string
		var err error
		if file == "-" {
			if opts.Lang == "" {
				return nil, flagErrorf("a source read from standard input (-) needs --lang")
			}
			data, rerr := io.ReadAll(opts.IO.In)
			if rerr != nil {
				return nil, fmt.Errorf("read source from standard input: %w", rerr)
			}
			src = string(data)
		} else if src, err = readSource(file); err != nil {
			return nil, err
		}
		lang := opts.Lang
		if lang == "" {
			if _, err := languages(); err != nil {
				return nil, fmt.Errorf("detect language of %s: %w", file, err)
			}
			if lang, err = detectLanguage(langs, file); err != nil {
				return nil, err
			}
		}
		req := apiv1.SubmissionRequest{Language: lang, Source: src, Problem: opts.Problem, Stdin: stdin, ExpectedOutput: expected}
		if opts.TimeLimit > 0 || opts.MemoryMB > 0 {
			req.Limits = &apiv1.Limits{TimeMS: int(opts.TimeLimit.Milliseconds()), MemoryKB: int64(opts.MemoryMB) * 1024}
		}
		out = append(out, prepared{file: file, req: req})
	}
	return out, nil
}

func readSource(file string) (string, error) {
	st, err := os.Stat(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("source file %s does not exist", file)
		}
		return "", fmt.Errorf("source file %s: %w", file, err)
	}
	if st.IsDir() {
		return "", fmt.Errorf("source file %s is a directory; submit it as a folder (judgectl submit %s) or name the source files inside it", file, file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read source %s: %w", file, err)
	}
	return string(data), nil
}

// togetherRequest is the multi-file submission of the files named (--together), each under
// its path as given, which must be relative and stay inside the current folder.
func togetherRequest(names []string, lang, entry string, languages func() ([]apiv1.Language, error)) (apiv1.SubmissionRequest, error) {
	files := make([]srcfiles.File, 0, len(names))
	for _, n := range names {
		if n == "-" {
			return apiv1.SubmissionRequest{}, flagErrorf("--together takes files, not standard input (-)")
		}
		p := filepath.ToSlash(filepath.Clean(n))
		if msg := srcfiles.CheckPath(p, srcfiles.DefaultCaps().MaxPathBytes); msg != "" {
			return apiv1.SubmissionRequest{}, flagErrorf("--together: %s: %s; run judgectl from the project's folder, or submit the folder itself", n, msg)
		}
		src, err := readSource(n)
		if err != nil {
			return apiv1.SubmissionRequest{}, err
		}
		files = append(files, srcfiles.File{Path: p, Data: []byte(src)})
	}
	return filesRequest(".", files, lang, entry, languages)
}

// folderRequest is the multi-file submission of the files under dir, in language lang (""
// detects it) with entry ("" detects it; a path relative to dir).
func folderRequest(dir, lang, entry string, languages func() ([]apiv1.Language, error)) (apiv1.SubmissionRequest, error) {
	files, err := collectFolder(dir)
	if err != nil {
		return apiv1.SubmissionRequest{}, err
	}
	return filesRequest(dir, files, lang, entry, languages)
}

// filesRequest is the multi-file submission of files (read from dir) in language lang (""
// detects it) with entry ("" detects it).
func filesRequest(dir string, files []srcfiles.File, lang, entry string, languages func() ([]apiv1.Language, error)) (apiv1.SubmissionRequest, error) {
	var err error
	var langs []apiv1.Language
	if lang == "" || entry == "" {
		if langs, err = languages(); err != nil {
			return apiv1.SubmissionRequest{}, fmt.Errorf("detect the language of %s: %w", dir, err)
		}
	}
	if lang == "" {
		if lang, err = folderLanguage(langs, dir, files); err != nil {
			return apiv1.SubmissionRequest{}, err
		}
	}
	if entry != "" {
		entry = filepath.ToSlash(filepath.Clean(entry))
		if !slices.ContainsFunc(files, func(f srcfiles.File) bool { return f.Path == entry }) {
			return apiv1.SubmissionRequest{}, flagErrorf("--entry %s is not one of the files judgectl sends from %s (paths are relative to the folder)", entry, dir)
		}
	} else {
		entry = detectEntry(langs, lang, files)
	}
	return apiv1.SubmissionRequest{Language: lang, Files: apiv1.WireFiles(files), Entry: entry}, nil
}

// detectLanguage picks the language of file from its extension. Exact (case-sensitive) matches
// win over case-insensitive ones, so ".C" can mean C++ while ".c" means C.
func detectLanguage(langs []apiv1.Language, file string) (string, error) {
	ext := filepath.Ext(file)
	if ext == "" {
		return "", fmt.Errorf("%s has no extension to detect the language from: pass --lang (see `judgectl languages`)", file)
	}
	norm := func(e string) string { return strings.TrimPrefix(e, ".") }
	var exact, folded []string
	for _, l := range langs {
		for _, e := range l.Extensions {
			switch {
			case norm(e) == norm(ext):
				exact = append(exact, l.ID)
			case strings.EqualFold(norm(e), norm(ext)):
				folded = append(folded, l.ID)
			}
		}
	}
	matches := exact
	if len(matches) == 0 {
		matches = folded
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("%s: no language on the server uses extension %q: pass --lang (see `judgectl languages`)", file, ext)
	case 1:
		return matches[0], nil
	default:
		return "", fmt.Errorf("%s: extension %q is ambiguous (%s): choose one with --lang", file, ext, strings.Join(matches, ", "))
	}
}

// lockedWriter lets concurrent follows share one stream without interleaving lines.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
