package judgectlcmd

import (
	"bytes"
	"encoding/json"
	"fmt"
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
