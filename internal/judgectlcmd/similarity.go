package judgectlcmd

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/similarity"
)

// similarityReport compares the accepted entries pairwise and writes the pairs scoring at least
// threshold to path: HTML with the matching regions side by side, or Markdown for a .md path.
// It returns the pairs found, for a summary on stderr.
func similarityReport(path, problem string, threshold float64, entries []*GradeEntry) ([]similarity.Pair, []*GradeEntry, error) {
	var accepted []*GradeEntry
	var docs []*similarity.Document
	for _, e := range entries {
		if e.Verdict != apiv1.VerdictAC || e.source == "" {
			continue
		}
		accepted = append(accepted, e)
		docs = append(docs, similarity.NewDocument(e.Student, e.Language, e.source, similarity.Options{}))
	}
	pairs := similarity.Compare(docs, similarity.Options{}, threshold)
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("write similarity report: %w", err)
	}
	format := formatHTML
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".md" || ext == ".markdown" {
		format = formatMarkdown
	}
	d := newReport(f, format, "Similarity: "+problem)
	d.heading(1, "Similarity: "+problem)
	d.para(txt(fmt.Sprintf("%d accepted submissions compared pairwise (%d pairs) by winnowing over normalised tokens; "+
		"%d pair(s) score at least %.0f%%. Code most students share (a template, reading the input) is not counted. "+
		"A high score is a reason to look, not a verdict.", len(docs), len(docs)*(len(docs)-1)/2, len(pairs), threshold*100)))
	rows := make([][]cell, 0, len(pairs))
	for i, p := range pairs {
		a, b := accepted[p.A], accepted[p.B]
		name := cell{text: a.Student + " – " + b.Student}
		if format == formatHTML {
			name.href = fmt.Sprintf("#pair%d", i+1)
		}
		rows = append(rows, []cell{name, txt(pct(p.Score)), txt(pct(p.FracA)), txt(pct(p.FracB)), txt(fmt.Sprint(len(p.Matches))),
			{text: shortID(a.Submission), href: a.URL}, {text: shortID(b.Submission), href: b.URL}})
	}
	d.table([]string{"Pair", "Score", "Of first", "Of second", "Regions", "First", "Second"}, rows)
	for i, p := range pairs {
		writePair(d, i+1, accepted[p.A], accepted[p.B], p)
	}
	if err := d.close(); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("write similarity report: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, nil, fmt.Errorf("write similarity report: %w", err)
	}
	return pairs, accepted, nil
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// writePair shows one pair: in HTML both sources side by side with the matching regions
// marked (region n has the same number on both sides); in Markdown each region's lines.
func writePair(d *report, n int, a, b *GradeEntry, p similarity.Pair) {
	if !d.html {
		d.heading(2, fmt.Sprintf("%d. %s – %s: %s", n, a.Student, b.Student, pct(p.Score)))
		for i, m := range p.Matches {
			d.details(fmt.Sprintf("Region %d: %s lines %d–%d, %s lines %d–%d", i+1, a.Student, m.A.StartLine, m.A.EndLine, b.Student, m.B.StartLine, m.B.EndLine), false, func() {
				d.code("", a.source[m.A.Start:m.A.End])
				d.code("", b.source[m.B.Start:m.B.End])
			})
		}
		return
	}
	d.raw(fmt.Sprintf("<h2 id=\"pair%d\">%d. %s – %s: %s</h2>\n<div class=\"side\">\n", n, n, html.EscapeString(a.Student), html.EscapeString(b.Student), pct(p.Score)))
	spansA := make([]similarity.Span, len(p.Matches))
	spansB := make([]similarity.Span, len(p.Matches))
	for i, m := range p.Matches {
		spansA[i], spansB[i] = m.A, m.B
	}
	for _, side := range []struct {
		e     *GradeEntry
		spans []similarity.Span
	}{{a, spansA}, {b, spansB}} {
		d.raw(fmt.Sprintf("<div><h3>%s</h3>\n<pre>%s</pre></div>\n", html.EscapeString(side.e.Student+" ("+filepath.Base(side.e.File)+")"), markSpans(side.e.source, side.spans)))
	}
	d.raw("</div>\n")
}

// markSpans escapes src for HTML and wraps each span (numbered from 1) in <mark>. Spans of one
// side may overlap (two regions of one program copied into another): the later is clipped.
func markSpans(src string, spans []similarity.Span) string {
	type span struct {
		n          int
		start, end int
	}
	ss := make([]span, 0, len(spans))
	for i, s := range spans {
		ss = append(ss, span{i + 1, s.Start, s.End})
	}
	slices.SortFunc(ss, func(x, y span) int { return x.start - y.start })
	var b strings.Builder
	at := 0
	for _, s := range ss {
		start := max(s.start, at)
		if start >= s.end {
			continue
		}
		b.WriteString(html.EscapeString(src[at:start]))
		fmt.Fprintf(&b, "<mark title=\"region %d\"><sup>%d</sup>%s</mark>", s.n, s.n, html.EscapeString(src[start:s.end]))
		at = s.end
	}
	b.WriteString(html.EscapeString(src[at:]))
	return b.String()
}
