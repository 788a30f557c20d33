package judgectlcmd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

//go:generate go run ../../cmd/judgectl/gendocs -root ../..

// manDate is the date printed in the man pages. It is fixed so that regenerating gives the
// same bytes and the staleness test only fails when the commands really changed.
var manDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Artifacts renders the shell completion scripts and man pages of the command tree, keyed by
// path relative to the repository root (completions/..., docs/man/...).
func Artifacts() (map[string][]byte, error) {
	ios, _, _, _ := TestStreams()
	root := NewRoot(NewFactory(ios))
	root.DisableAutoGenTag = true
	root.InitDefaultCompletionCmd() // cobra adds it only at Execute; document it too
	out := map[string][]byte{}
	gens := map[string]func(*bytes.Buffer) error{
		"completions/judgectl.bash": func(b *bytes.Buffer) error { return root.GenBashCompletionV2(b, true) },
		"completions/_judgectl":     func(b *bytes.Buffer) error { return root.GenZshCompletion(b) },
		"completions/judgectl.fish": func(b *bytes.Buffer) error { return root.GenFishCompletion(b, true) },
		"completions/judgectl.ps1":  func(b *bytes.Buffer) error { return root.GenPowerShellCompletionWithDesc(b) },
	}
	for path, gen := range gens {
		var b bytes.Buffer
		if err := gen(&b); err != nil {
			return nil, fmt.Errorf("generate %s: %w", path, err)
		}
		out[path] = b.Bytes()
	}
	hdr := &doc.GenManHeader{Title: "JUDGECTL", Section: "1", Date: &manDate, Source: "judge", Manual: "judgectl manual"}
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
				continue
			}
			if err := walk(sub); err != nil {
				return err
			}
		}
		var b bytes.Buffer
		if err := doc.GenMan(c, hdr, &b); err != nil {
			return fmt.Errorf("man page of %s: %w", c.CommandPath(), err)
		}
		name := filepath.Join("docs/man", manName(c))
		out[name] = insertManSections(b.Bytes(), c)
		return nil
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	return out, nil
}

func manName(c *cobra.Command) string {
	b := []byte(c.CommandPath())
	for i := range b {
		if b[i] == ' ' {
			b[i] = '-'
		}
	}
	return string(b) + ".1"
}

// WriteArtifacts writes Artifacts under repoRoot, removing man pages of commands that no
// longer exist.
func WriteArtifacts(repoRoot string) error {
	arts, err := Artifacts()
	if err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(repoRoot, "docs/man", "judgectl*.1"))
	for _, p := range old {
		rel, _ := filepath.Rel(repoRoot, p)
		if _, ok := arts[rel]; !ok {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	for rel, data := range arts {
		p := filepath.Join(repoRoot, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
