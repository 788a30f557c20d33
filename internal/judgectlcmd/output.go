package judgectlcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"gopkg.in/yaml.v3"
)

// Output formats of -o.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatYAML  = "yaml"
)

func checkFormat(format string, allowed ...string) error {
	if len(allowed) == 0 {
		allowed = []string{formatTable, formatJSON, formatYAML}
	}
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return flagErrorf("unknown output format %q: use one of %s", format, strings.Join(allowed, ", "))
}

// writeData prints v as JSON or YAML.
func writeData(w io.Writer, format string, v any) error {
	switch format {
	case formatYAML:
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("encode yaml: %w", err)
		}
		return enc.Close()
	default:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
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
