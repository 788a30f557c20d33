package judgectlcmd

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/client"
	"github.com/judge-dev/judge/pkg/srcfiles"
)

// GradeOptions are the inputs of `judgectl grade`.
type GradeOptions struct {
	IO     *IOStreams
	Client func() (*client.Client, error)
	Now    func() time.Time

	Dir     string
	Problem string
	Lang    string
	// Entry is the entry of every multi-file folder, relative to it (default: detected).
	Entry    string
	State    string
	Force    bool
	Parallel int
	Format   string
	JUnit    string
	// Scheme is the grading scheme file (default DIR/grading.yaml when it exists).
	Scheme string
	// Similarity compares the accepted entries pairwise into SimilarityReport.
	Similarity          bool
	SimilarityThreshold float64
	SimilarityReport    string
}

const gradeStateFile = ".judge-grades.json"

// formatCSV is grade's extra -o format: a grade sheet for spreadsheets.
const formatCSV = "csv"

func newGradeCmd(f *Factory, runF func(context.Context, *GradeOptions) error) *cobra.Command {
	opts := &GradeOptions{IO: f.IO, Client: f.Client, Now: f.Now}
	cmd := &cobra.Command{
		Use:         "grade DIR --problem P",
		Annotations: map[string]string{annotationExitStatus: "0\tevery entry was judged, whatever the verdicts\n3\tsome entry could not be judged (unreadable, unknown language, IE, server unreachable)\n130\tinterrupted by SIGINT (Ctrl-C); 143 for SIGTERM"},
		Short:       "Judge every student's entry in DIR against a problem and report a grade sheet",
		Long: `grade submits each entry of DIR: a source file (the student is the file name without
extension), or a folder per student. A folder holding one source file submits that file; a
folder of several files (sources, headers, modules, in subfolders too) is one multi-file
submission, as ` + "`judgectl submit FOLDER`" + ` sends it: hidden files and build outputs are skipped, the
language is the one with the most sources and the entry --entry or the one source with a main
function. Entries are judged with bounded
concurrency. Results go to a table, or CSV, JSON or YAML with -o, a grade book in Markdown or
HTML (-o markdown|html), and JUnit XML with --junit (one testcase per student, a failure for each
rejected verdict).

A grading scheme (--scheme FILE, default DIR/` + gradingFile + `) gives points per test group or
test, a deadline and a late penalty; the submission time is each entry's last git commit (or its
.submitted-at file). --similarity compares the accepted entries pairwise for shared code and
writes the pairs above --similarity-threshold to --similarity-report (HTML side by side).

Re-running skips entries already graded for the same source (SHA-256) and problem, using the
state file DIR/` + gradeStateFile + ` (or --state); --force re-grades everything.

Exit codes: 0 every entry was judged (whatever the verdicts), 3 some entry could not be judged
(unreadable, unknown language, judge error IE, server unreachable).`,
		Example: `  judgectl grade submissions/ --problem hello
  judgectl grade hw3/ -p sum -o csv > grades.csv --junit grades.xml
  judgectl grade students/ -p sum --scheme grading.yaml -o html --similarity > gradebook.html`,
		Args: exactArgs(1, "a directory DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if opts.Problem == "" {
				return flagErrorf("grade needs --problem: the problem every entry is judged against")
			}
			if opts.Parallel < 1 {
				return flagErrorf("--parallel must be at least 1, got %d", opts.Parallel)
			}
			if st, err := os.Stat(opts.Dir); err != nil || !st.IsDir() {
				return flagErrorf("%s is not a directory: grade takes a folder of student entries", opts.Dir)
			}
			if opts.State == "" {
				opts.State = filepath.Join(opts.Dir, gradeStateFile)
			}
			if opts.SimilarityThreshold < 0 || opts.SimilarityThreshold > 1 {
				return flagErrorf("--similarity-threshold %v: give a fraction between 0 and 1, e.g. 0.5", opts.SimilarityThreshold)
			}
			if opts.Scheme == "" {
				if def := filepath.Join(opts.Dir, gradingFile); fileExists(def) {
					opts.Scheme = def
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return gradeRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Problem, "problem", "p", "", "problem slug (required)")
	fl.StringVarP(&opts.Lang, "lang", "l", "", "language of every entry (default: detected per file)")
	fl.StringVar(&opts.Entry, "entry", "", "entry of every multi-file folder, relative to it (default: the one source with a main function, else the server's main.* rule)")
	fl.StringVar(&opts.State, "state", "", "state file (default DIR/"+gradeStateFile+")")
	fl.BoolVar(&opts.Force, "force", false, "re-grade entries whose source did not change")
	fl.IntVar(&opts.Parallel, "parallel", 4, "entries judged at once")
	addOutputFlag(cmd, &opts.Format, formatTable, append([]string{formatCSV}, reportFormats...)...)
	fl.StringVar(&opts.JUnit, "junit", "", "also write JUnit XML to this file")
	fl.BoolVar(&opts.Similarity, "similarity", false, "compare the accepted entries pairwise for shared code (report in --similarity-report)")
	fl.Float64Var(&opts.SimilarityThreshold, "similarity-threshold", 0.5, "report pairs scoring at least this (0 to 1)")
	fl.StringVar(&opts.SimilarityReport, "similarity-report", "similarity.html", "similarity report file: HTML, or Markdown for a .md name")
	fl.StringVar(&opts.Scheme, "scheme", "", "grading scheme: points per test group, deadline, late penalty (default DIR/"+gradingFile+" if present)")
	_ = cmd.RegisterFlagCompletionFunc("lang", f.completeLanguages())
	_ = cmd.RegisterFlagCompletionFunc("problem", f.completeProblems())
	return cmd
}

// GradeEntry is one student's result; it is also what the state file keeps.
type GradeEntry struct {
	Student string `json:"student"`
	File    string `json:"file,omitempty"`
	// Entry is the entry of a multi-file folder (File is then the folder).
	Entry      string    `json:"entry,omitempty"`
	SHA256     string    `json:"sha256,omitempty"`
	Problem    string    `json:"problem"`
	Language   string    `json:"language,omitempty"`
	Submission string    `json:"submission,omitempty"`
	Verdict    string    `json:"verdict,omitempty"`
	Score      *float64  `json:"score,omitempty"`
	TimeMS     int       `json:"time_ms"`
	MemoryKB   int64     `json:"memory_kb"`
	Error      string    `json:"error,omitempty"`
	GradedAt   time.Time `json:"graded_at"`
	// Tests are the per-test verdicts, kept so a changed scheme re-scores without re-judging.
	Tests []TestVerdict `json:"tests,omitempty"`
	// URL is the submission's address on the server; Grade its score under --scheme.
	URL   string `json:"url,omitempty"`
	Grade *Grade `json:"grade,omitempty"`
	// Cached is true when the result came from the state file (not serialised there).
	Cached bool `json:"cached"`
	source string
	// files are a multi-file folder's (folder set by scanEntries).
	files  []srcfiles.File
	folder bool
	// path is the student's file or folder (what commit times are read from).
	path string
}

func (e *GradeEntry) failed() bool {
	return e.Error != "" || e.Verdict == apiv1.VerdictIE || e.Verdict == ""
}

// gradeState is the state file: results by student.
type gradeState struct {
	Entries map[string]GradeEntry `json:"entries"`
}

func loadGradeState(path string) (*gradeState, error) {
	st := &gradeState{Entries: map[string]GradeEntry{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read grade state %s: %w", path, err)
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("grade state %s is corrupt (delete it or use --force with a new --state): %w", path, err)
	}
	if st.Entries == nil {
		st.Entries = map[string]GradeEntry{}
	}
	return st, nil
}

func (s *gradeState) save(path string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write grade state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write grade state: %w", err)
	}
	return nil
}

// scanEntries finds the students of dir, sorted by name; unusable entries carry an Error.
func scanEntries(dir, stateFile string) ([]*GradeEntry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	absState, _ := filepath.Abs(stateFile)
	var out []*GradeEntry
	for _, de := range des {
		name := de.Name()
		path := filepath.Join(dir, name)
		if strings.HasPrefix(name, ".") || name == gradingFile {
			continue
		}
		if abs, _ := filepath.Abs(path); abs == absState || strings.HasSuffix(abs, ".tmp") && strings.TrimSuffix(abs, ".tmp") == absState {
			continue
		}
		e := &GradeEntry{Student: name, path: path}
		if de.IsDir() {
			files, err := sourceFiles(path)
			switch {
			case err != nil:
				e.Error = err.Error()
			case len(files) == 1 && !hasSubdirs(path):
				e.File = filepath.Join(path, files[0])
			default:
				// Several files, or files in subfolders: one multi-file submission.
				e.File, e.folder = path, true
			}
		} else {
			e.Student = strings.TrimSuffix(name, filepath.Ext(name))
			e.File = path
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *GradeEntry) int { return strings.Compare(a.Student, b.Student) })
	return out, nil
}

// hasSubdirs reports whether dir has a folder that is not hidden.
func hasSubdirs(dir string) bool {
	des, _ := os.ReadDir(dir)
	return slices.ContainsFunc(des, func(de os.DirEntry) bool { return de.IsDir() && !strings.HasPrefix(de.Name(), ".") })
}

func sourceFiles(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var files []string
	for _, de := range des {
		if !de.IsDir() && !strings.HasPrefix(de.Name(), ".") {
			files = append(files, de.Name())
		}
	}
	return files, nil
}

func gradeRun(ctx context.Context, opts *GradeOptions) error {
	entries, err := scanEntries(opts.Dir, opts.State)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return fmt.Errorf("%s has no entries to grade: put one source file, or one folder, per student in it", opts.Dir)
	}
	state, err := loadGradeState(opts.State)
	if err != nil {
		return err
	}
	var scheme *Scheme
	if opts.Scheme != "" {
		if scheme, err = loadScheme(opts.Scheme); err != nil {
			return err
		}
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	// Fail once, clearly, rather than once per student.
	if _, err := c.Problem(ctx, opts.Problem); err != nil {
		if client.IsStatus(err, http.StatusNotFound) {
			return fmt.Errorf("problem %q does not exist on %s: `judgectl problem list` shows the problems, `judgectl problem push DIR` adds one", opts.Problem, c.BaseURL())
		}
		return err
	}
	var langs []apiv1.Language
	if opts.Lang == "" {
		if langs, err = c.Languages(ctx); err != nil {
			return fmt.Errorf("detect languages: %w", err)
		}
	}

	var todo []*GradeEntry
	for _, e := range entries {
		if e.Error != "" {
			continue
		}
		if e.folder {
			if err := prepareFolderEntry(ctx, e, opts, c, &langs); err != nil {
				e.Error = err.Error()
				continue
			}
		} else {
			src, err := readSource(e.File)
			if err != nil {
				e.Error = err.Error()
				continue
			}
			sum := sha256.Sum256([]byte(src))
			e.SHA256, e.source = hex.EncodeToString(sum[:]), src
		}
		e.Problem = opts.Problem
		if prev, ok := state.Entries[e.Student]; ok && !opts.Force && prev.SHA256 == e.SHA256 && prev.Problem == opts.Problem && !prev.failed() {
			path, src, files, folder := e.path, e.source, e.files, e.folder
			*e = prev
			e.Cached, e.path, e.source, e.files, e.folder = true, path, src, files, folder
			continue
		}
		if e.folder {
			todo = append(todo, e)
			continue
		}
		e.Language = opts.Lang
		if e.Language == "" {
			if e.Language, err = detectLanguage(langs, e.File); err != nil {
				e.Error = err.Error()
				continue
			}
		}
		todo = append(todo, e)
	}

	bar := newProgress(opts.IO, int64(len(todo)), "grading", false)
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Parallel)
	for _, e := range todo {
		g.Go(func() error {
			gradeOne(gctx, c, e, opts.Force)
			e.GradedAt = opts.Now().UTC()
			mu.Lock()
			defer mu.Unlock()
			_ = bar.Add(1)
			if e.Error == "" {
				state.Entries[e.Student] = *e
				return state.save(opts.State)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	_ = bar.Finish()

	for _, e := range entries {
		e.URL = submissionURL(c.BaseURL(), e.Submission)
	}
	if scheme != nil {
		if err := gradeEntries(ctx, scheme, entries); err != nil {
			return err
		}
	}
	if opts.Similarity {
		pairs, docs, err := similarityReport(opts.SimilarityReport, opts.Problem, opts.SimilarityThreshold, entries)
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "similarity: %d accepted entries, %d pair(s) at or above %.0f%%; report in %s\n",
			len(docs), len(pairs), opts.SimilarityThreshold*100, opts.SimilarityReport)
		for _, p := range pairs {
			fmt.Fprintf(opts.IO.ErrOut, "  %s – %s  %s\n", docs[p.A].Student, docs[p.B].Student, pct(p.Score))
		}
	}
	if opts.JUnit != "" {
		if err := writeJUnitFile(opts.JUnit, opts.Problem, entries); err != nil {
			return err
		}
	}
	if err := writeGrades(opts.IO, opts.Format, opts.Problem, scheme, entries); err != nil {
		return err
	}
	failed := 0
	for _, e := range entries {
		if e.failed() {
			failed++
		}
	}
	if failed > 0 {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("%d of %d entries could not be judged; fix them and re-run (judged entries are kept)", failed, len(entries))}
	}
	return nil
}

// prepareFolderEntry reads a multi-file folder entry: its files, language, entry and hash.
func prepareFolderEntry(ctx context.Context, e *GradeEntry, opts *GradeOptions, c *client.Client, langs *[]apiv1.Language) error {
	files, err := collectFolder(e.File)
	if err != nil {
		return err
	}
	if *langs == nil {
		if *langs, err = c.Languages(ctx); err != nil {
			return fmt.Errorf("detect languages: %w", err)
		}
	}
	e.Language = opts.Lang
	if e.Language == "" {
		if e.Language, err = folderLanguage(*langs, e.File, files); err != nil {
			return err
		}
	}
	e.Entry = detectEntry(*langs, e.Language, files)
	if opts.Entry != "" {
		e.Entry = filepath.ToSlash(filepath.Clean(opts.Entry))
		if !slices.ContainsFunc(files, func(f srcfiles.File) bool { return f.Path == e.Entry }) {
			return fmt.Errorf("folder %s has no file %s (--entry)", e.File, e.Entry)
		}
	}
	e.files, e.source = files, folderText(*langs, e.Language, files)
	// The state file's hash covers every file and the entry, so any change re-grades.
	e.SHA256 = srcfiles.Hash(files, e.Entry)
	return nil
}

func gradeOne(ctx context.Context, c *client.Client, e *GradeEntry, force bool) {
	// The key is derived from the source and problem, so re-running after a crash finds the
	// submission the server already has instead of judging it twice; --force wants a new one.
	// Hashed, because the API takes printable ASCII keys and student names may be anything.
	sum := sha256.Sum256([]byte(e.Problem + "\x00" + e.Student + "\x00" + e.SHA256))
	key := "grade-" + hex.EncodeToString(sum[:16])
	if force {
		key = client.NewIdempotencyKey()
	}
	req := apiv1.SubmissionRequest{Language: e.Language, Source: e.source, Problem: e.Problem}
	if e.folder {
		req.Source, req.Files, req.Entry = "", apiv1.WireFiles(e.files), e.Entry
	}
	acc, err := c.Submit(ctx, req, key)
	if err != nil {
		e.Error = err.Error()
		return
	}
	e.Submission = acc.ID
	s, err := follow(ctx, c, acc.ID, io.Discard, io.Discard, "")
	if err != nil {
		e.Error = err.Error()
		return
	}
	e.Verdict, e.Score, e.TimeMS, e.MemoryKB = s.Verdict, s.Score, s.TimeMS, s.MemoryKB
	e.Tests = testVerdicts(s.Tests)
	if s.Verdict == apiv1.VerdictIE {
		e.Error = "internal error of the judge: " + s.Message
	}
}

func gradeRow(e *GradeEntry, scheme *Scheme) []string {
	score := ""
	if e.Score != nil {
		score = strconv.FormatFloat(*e.Score, 'g', -1, 64)
	}
	note := e.Error
	if note == "" && e.Cached {
		note = "unchanged since " + e.GradedAt.Format(time.RFC3339)
	}
	row := []string{e.Student, e.Verdict, score, strconv.Itoa(e.TimeMS), e.Submission, e.File, note}
	if scheme == nil {
		return row
	}
	if g := e.Grade; g != nil {
		row = append(row, fmtPoints(g.Points), fmtPoints(g.MaxPoints), strconv.Itoa(g.LateDays), fmtPoints(g.PenaltyPct), fmtPoints(g.Final))
		for _, gv := range g.Groups {
			row = append(row, gv.Verdict)
		}
		return row
	}
	row = append(row, "", "", "", "", "")
	for range scheme.Points {
		row = append(row, "")
	}
	return row
}

var gradeHeader = []string{"STUDENT", "VERDICT", "SCORE", "TIME_MS", "SUBMISSION", "FILE", "NOTE"}

// gradeHeaderOf adds the scheme's columns: points, lateness, the final score, then one verdict
// column per scheme key.
func gradeHeaderOf(scheme *Scheme) []string {
	if scheme == nil {
		return gradeHeader
	}
	h := append(slices.Clone(gradeHeader), "POINTS", "MAX_POINTS", "LATE_DAYS", "PENALTY_PCT", "FINAL")
	for _, k := range scheme.groupKeys() {
		h = append(h, k)
	}
	return h
}

func fmtPoints(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func writeGrades(ios *IOStreams, format, problem string, scheme *Scheme, entries []*GradeEntry) error {
	header := gradeHeaderOf(scheme)
	switch format {
	case formatJSON, formatYAML:
		return writeData(ios.Out, format, entries)
	case formatMarkdown, formatHTML:
		return writeGradeBook(ios, format, problem, scheme, entries)
	case formatCSV:
		w := csv.NewWriter(ios.Out)
		h := lowerAll(gradeHeader)
		if scheme != nil {
			h = append(h, "points", "max_points", "late_days", "penalty_pct", "final")
			h = append(h, scheme.groupKeys()...) // keys as the scheme spells them
		}
		_ = w.Write(h)
		for _, e := range entries {
			_ = w.Write(gradeRow(e, scheme))
		}
		w.Flush()
		return w.Error()
	}
	t := newTable(ios, header...)
	for _, e := range entries {
		t.add(gradeRow(e, scheme)...)
	}
	return t.render()
}

// gradeEntries scores every judged entry under scheme, reading commit times when a deadline
// applies.
func gradeEntries(ctx context.Context, scheme *Scheme, entries []*GradeEntry) error {
	for _, e := range entries {
		if e.failed() {
			continue
		}
		var submitted *time.Time
		if scheme.Deadline != nil || len(scheme.Deadlines) > 0 {
			t, ok, err := submittedAt(ctx, e.path)
			if err != nil {
				return err
			}
			if ok {
				submitted = &t
			}
		}
		g := scheme.grade(e.Student, e.Verdict, e.Tests, submitted)
		e.Grade = &g
	}
	return nil
}

// writeGradeBook writes the grade book for people: one row per student with the final score,
// lateness, the verdict per scheme key and a link to the submission.
func writeGradeBook(ios *IOStreams, format, problem string, scheme *Scheme, entries []*GradeEntry) error {
	d := newReport(ios.Out, format, "Grade book: "+problem)
	d.heading(1, "Grade book: "+problem)
	header := []string{"Student", "Verdict"}
	if scheme != nil {
		header = append(header, "Final", "Points", "Late")
		header = append(header, scheme.groupKeys()...)
	}
	header = append(header, "Time", "Submission", "Note")
	rows := make([][]cell, 0, len(entries))
	for _, e := range entries {
		r := []cell{txt(e.Student), txt(strings.TrimSpace(verdictMark(e.Verdict) + " " + e.Verdict))}
		if scheme != nil {
			if g := e.Grade; g != nil {
				late := ""
				if g.LateDays > 0 {
					late = fmt.Sprintf("%d d, -%s%%", g.LateDays, fmtPoints(g.PenaltyPct))
				}
				r = append(r, txt(fmtPoints(g.Final)), txt(fmtPoints(g.Points)+" / "+fmtPoints(g.MaxPoints)), txt(late))
				for _, gv := range g.Groups {
					r = append(r, txt(gv.Verdict))
				}
			} else {
				for range 3 + len(scheme.Points) {
					r = append(r, txt(""))
				}
			}
		}
		sub := cell{}
		if e.Submission != "" {
			sub = cell{text: shortID(e.Submission), href: e.URL}
		}
		note := e.Error
		if note == "" && e.Grade != nil && e.Grade.Deadline != nil && e.Grade.SubmittedAt == nil {
			note = "no commit time: no late penalty applied"
		}
		r = append(r, txt(fmt.Sprintf("%d ms", e.TimeMS)), sub, txt(note))
		rows = append(rows, r)
	}
	d.table(header, rows)
	return d.close()
}

// shortID is the first block of a UUID, enough to tell submissions apart in a table.
func shortID(id string) string {
	if i := strings.IndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// JUnit XML, the subset CI systems read.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

func writeJUnitFile(path, problem string, entries []*GradeEntry) error {
	suite := junitSuite{Name: "judge grade " + problem, Tests: len(entries)}
	for _, e := range entries {
		tc := junitCase{Name: e.Student, Classname: problem, Time: fmt.Sprintf("%.3f", float64(e.TimeMS)/1000)}
		switch {
		case e.failed():
			msg := e.Error
			if msg == "" {
				msg = "not judged"
			}
			tc.Error = &junitMessage{Message: msg, Type: "judge-error", Body: e.File}
			suite.Errors++
		case e.Verdict != apiv1.VerdictAC:
			tc.Failure = &junitMessage{Message: e.Verdict + " (" + verdictName(e.Verdict) + ")", Type: e.Verdict,
				Body: fmt.Sprintf("submission %s, file %s", e.Submission, e.File)}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	data, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{suite}}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JUnit XML: %w", err)
	}
	data = append([]byte(xml.Header), append(data, '\n')...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write --junit %s: %w", path, err)
	}
	return nil
}
