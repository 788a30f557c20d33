package judgectlcmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

// Output formats of -o. Every data command accepts the same three; a command may add its own
// (grade's csv) after them.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatYAML  = "yaml"
)

var dataFormats = []string{formatTable, formatJSON, formatYAML}

// Report formats: documents for people (a CI job summary, a page to publish). Commands that
// report results to students or teachers (submit, tail, grade) accept them besides dataFormats.
const (
	formatMarkdown = "markdown"
	formatHTML     = "html"
)

var reportFormats = []string{formatMarkdown, formatHTML}

func isReportFormat(f string) bool { return slices.Contains(reportFormats, f) }

// formatValue is the -o flag: it rejects an unknown format while the flags are parsed, so
// every command answers a typo the same way (a usage error, exit 3) before doing anything.
type formatValue struct {
	p       *string
	allowed []string
}

func (v *formatValue) String() string { return *v.p }
func (v *formatValue) Type() string   { return "format" }

func (v *formatValue) Set(s string) error {
	if !slices.Contains(v.allowed, s) {
		return fmt.Errorf("unknown output format %q: use one of %s", s, strings.Join(v.allowed, ", "))
	}
	*v.p = s
	return nil
}

// addOutputFlag declares -o/--output on cmd, storing into p with default def. extra formats
// (e.g. csv) are accepted besides table, json and yaml.
func addOutputFlag(cmd *cobra.Command, p *string, def string, extra ...string) {
	allowed := append(slices.Clone(dataFormats), extra...)
	*p = def
	usage := "output format: " + strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
	cmd.Flags().VarP(&formatValue{p: p, allowed: allowed}, "output", "o", usage)
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
}

// writeData prints v as JSON or YAML. YAML is made from the JSON encoding, so both show the
// API's keys (snake_case json tags) in the same order, never Go field names.
func writeData(w io.Writer, format string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", format, err)
	}
	if format != formatYAML {
		var b bytes.Buffer
		if err := json.Indent(&b, data, "", "  "); err != nil {
			return fmt.Errorf("encode json: %w", err)
		}
		b.WriteByte('\n')
		_, err := w.Write(b.Bytes())
		return err
	}
	return jsonToYAML(w, data)
}

// jsonToYAML re-encodes a JSON document as block-style YAML. JSON is YAML, so the parser keeps
// the keys' order; only the flow style ({...}, "...") is dropped. A string that would read as
// another type unquoted ("123", "true") stays quoted: the node keeps its !!str tag.
func jsonToYAML(w io.Writer, data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	var plain func(n *yaml.Node)
	plain = func(n *yaml.Node) {
		n.Style = 0
		for _, c := range n.Content {
			plain(c)
		}
	}
	plain(&doc)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	return enc.Close()
}

// table prints rows aligned for a terminal, or tab-separated (no header) for a pipe, so
// scripts can `cut -f`.
type table struct {
	w      io.Writer
	tty    bool
	header []string
	rows   [][]string
}

func newTable(ios *IOStreams, header ...string) *table {
	return &table{w: ios.Out, tty: ios.OutTTY, header: header}
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) render() error {
	if !t.tty {
		for _, r := range t.rows {
			if _, err := fmt.Fprintln(t.w, strings.Join(r, "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(t.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// report writes one document as GitHub-flavoured Markdown or as a standalone HTML page, so every
// report (submission feedback, grade book, similarity) is written once against the same calls.
// The first write error is kept and returned by close.
type report struct {
	w    io.Writer
	html bool
	err  error
}

// cell is one table cell: text, made a link when href is set.
type cell struct {
	text, href string
}

func txt(s string) cell { return cell{text: s} }

// htmlStyle keeps the page readable without any asset to publish beside it.
const htmlStyle = `body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto}.ok{color:#1a7f37}.bad{color:#cf222e}
.side{display:flex;gap:1em}.side>div{flex:1;min-width:0}mark{background:#fff3b0}`

func newReport(w io.Writer, format, title string) *report {
	d := &report{w: w, html: format == formatHTML}
	if d.html {
		d.printf("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n<style>\n%s\n</style>\n</head>\n<body>\n",
			html.EscapeString(title), htmlStyle)
	}
	return d
}

func (d *report) printf(format string, a ...any) {
	if d.err == nil {
		_, d.err = fmt.Fprintf(d.w, format, a...)
	}
}

// close ends the page and returns the first write error.
func (d *report) close() error {
	if d.html {
		d.printf("</body>\n</html>\n")
	}
	return d.err
}

func (d *report) heading(level int, text string) {
	if d.html {
		d.printf("<h%d>%s</h%d>\n", level, html.EscapeString(text), level)
		return
	}
	d.printf("%s %s\n\n", strings.Repeat("#", level), mdEscape(text))
}

// para writes a paragraph of cells (plain text and links) joined by spaces.
func (d *report) para(parts ...cell) {
	var b strings.Builder
	for i, c := range parts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d.inline(c))
	}
	if d.html {
		d.printf("<p>%s</p>\n", b.String())
		return
	}
	d.printf("%s\n\n", b.String())
}

func (d *report) inline(c cell) string {
	if d.html {
		if c.href != "" {
			return fmt.Sprintf("<a href=\"%s\">%s</a>", html.EscapeString(c.href), html.EscapeString(c.text))
		}
		return html.EscapeString(c.text)
	}
	t := mdEscape(c.text)
	if c.href != "" {
		return "[" + t + "](" + strings.ReplaceAll(c.href, ")", "%29") + ")"
	}
	return t
}

func (d *report) table(header []string, rows [][]cell) {
	if d.html {
		d.printf("<table>\n<tr>")
		for _, h := range header {
			d.printf("<th>%s</th>", html.EscapeString(h))
		}
		d.printf("</tr>\n")
		for _, r := range rows {
			d.printf("<tr>")
			for _, c := range r {
				d.printf("<td>%s</td>", d.inline(c))
			}
			d.printf("</tr>\n")
		}
		d.printf("</table>\n")
		return
	}
	esc := make([]string, len(header))
	for i, h := range header {
		esc[i] = mdCell(h)
	}
	d.printf("| %s |\n|%s\n", strings.Join(esc, " | "), strings.Repeat(" --- |", len(header)))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = strings.ReplaceAll(strings.ReplaceAll(d.inline(c), "|", "\\|"), "\n", "<br>")
		}
		d.printf("| %s |\n", strings.Join(cells, " | "))
	}
	d.printf("\n")
}

// code writes text verbatim in a block. An empty text is shown as "(empty)" so a student can
// tell "printed nothing" from a missing section.
func (d *report) code(lang, text string) {
	if text == "" {
		d.para(txt("(empty)"))
		return
	}
	if d.html {
		d.printf("<pre>%s</pre>\n", html.EscapeString(text))
		return
	}
	// The fence must be longer than any run of backticks inside.
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	d.printf("%s%s\n%s\n%s\n\n", fence, lang, strings.TrimSuffix(text, "\n"), fence)
}

// details wraps body in a collapsible section; GitHub renders <details> in Markdown too.
func (d *report) details(summary string, open bool, body func()) {
	attr := ""
	if open {
		attr = " open"
	}
	d.printf("<details%s><summary>%s</summary>\n\n", attr, html.EscapeString(summary))
	body()
	d.printf("</details>\n\n")
}

// raw writes HTML as is (HTML only; Markdown callers use the other calls).
func (d *report) raw(s string) { d.printf("%s", s) }

// mdEscape keeps text from being read as Markdown markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("\\", "\\\\", "*", "\\*", "_", "\\_", "`", "\\`", "[", "\\[", "]", "\\]", "<", "&lt;", ">", "&gt;", "#", "\\#")
	return r.Replace(s)
}

// mdCell escapes a table cell; "#" means nothing inside a table, so it stays as is.
func mdCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(mdEscape(s), `\#`, "#"), "|", "\\|"), "\n", "<br>")
}
