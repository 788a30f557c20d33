package judgectlcmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/internal/judgectlcmd/ctlconfig"
)

// newConfigCmd is the parent of the config verbs; they edit the file kubectl-style.
func newConfigCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Manage servers, tokens and contexts in judgectl's config file",
		Long: `judgectl keeps named contexts (a server URL and a token each) in
$JUDGECTL_CONFIG, or else <user config dir>/judge/config.yaml (mode 0600).

The effective server and token are, in order: --server/--token, JUDGE_SERVER/JUDGE_TOKEN,
then the context named by --context or the current context.`,
	}
	cmd.AddCommand(
		newConfigSetCmd(f),
		newConfigUseContextCmd(f),
		newConfigGetContextsCmd(f),
		newConfigCurrentContextCmd(f),
		newConfigDeleteContextCmd(f),
		newConfigViewCmd(f),
	)
	return cmd
}

// editConfig loads the file, applies edit and saves it.
func (f *Factory) editConfig(edit func(*ctlconfig.File) error) error {
	cf, path, err := f.LoadConfig()
	if err != nil {
		return err
	}
	if err := edit(cf); err != nil {
		return err
	}
	return cf.Save(path)
}

func newConfigSetCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "set server|token VALUE",
		Short: "Set the server URL or token of the current context (or of --context, created if new)",
		Example: `  judgectl config set server http://judge.example:8080
  judgectl config set token jdg_abc123
  judgectl config set server http://staging:8080 --context staging`,
		ValidArgs: []string{"server", "token"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return flagErrorf("config set takes a key (server or token) and a value, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			key, value := args[0], args[1]
			return f.editConfig(func(cf *ctlconfig.File) error {
				name := f.overrides.Context
				if name == "" {
					name = cf.CurrentContext
				}
				if name == "" {
					name = ctlconfig.DefaultContext
				}
				c := cf.Ensure(name)
				switch key {
				case "server":
					if !strings.Contains(value, "://") {
						return flagErrorf("server %q: give a URL such as http://host:8080", value)
					}
					c.Server = value
				case "token":
					c.Token = value
				default:
					return flagErrorf("unknown key %q: use server or token", key)
				}
				fmt.Fprintf(f.IO.ErrOut, "Set %s of context %q.\n", key, name)
				return nil
			})
		},
	}
}

func newConfigUseContextCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "use-context NAME",
		Short: "Make NAME the current context",
		Args:  exactArgs(1, "a context name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.editConfig(func(cf *ctlconfig.File) error {
				if err := cf.Use(args[0]); err != nil {
					return err
				}
				fmt.Fprintf(f.IO.ErrOut, "Switched to context %q.\n", args[0])
				return nil
			})
		},
	}
}

func newConfigDeleteContextCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "delete-context NAME",
		Short: "Remove the context NAME",
		Args:  exactArgs(1, "a context name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.editConfig(func(cf *ctlconfig.File) error { return cf.Delete(args[0]) })
		},
	}
}

func newConfigCurrentContextCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "current-context",
		Short: "Print the current context's name",
		Args:  exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			cf, _, err := f.LoadConfig()
			if err != nil {
				return err
			}
			if cf.CurrentContext == "" {
				return fmt.Errorf("no current context: create one with `judgectl config set server URL`")
			}
			_, err = fmt.Fprintln(f.IO.Out, cf.CurrentContext)
			return err
		},
	}
}

func newConfigGetContextsCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "get-contexts",
		Short: "List the contexts; * marks the current one",
		Args:  exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			cf, _, err := f.LoadConfig()
			if err != nil {
				return err
			}
			t := newTable(f.IO, "CURRENT", "NAME", "SERVER", "TOKEN")
			for _, c := range cf.Contexts {
				cur := ""
				if c.Name == cf.CurrentContext {
					cur = "*"
				}
				tok := "no"
				if c.Token != "" {
					tok = "yes"
				}
				t.add(cur, c.Name, c.Server, tok)
			}
			return t.render()
		},
	}
}

func newConfigViewCmd(f *Factory) *cobra.Command {
	var format string
	var raw bool
	cmd := &cobra.Command{
		Use:   "view",
		Short: "Print the config file (tokens masked unless --raw) and the effective server",
		Args:  exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, formatYAML, formatJSON); err != nil {
				return err
			}
			cf, path, err := f.LoadConfig()
			if err != nil {
				return err
			}
			if !raw {
				cf = cf.Masked()
			}
			fmt.Fprintf(f.IO.ErrOut, "# %s\n", path)
			if r, err := cf.Resolve(f.overrides, f.Getenv); err == nil {
				fmt.Fprintf(f.IO.ErrOut, "# effective server: %s (from %s)\n", r.Server, r.ServerSource)
			}
			return writeData(f.IO.Out, format, cf)
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", formatYAML, "output format: yaml or json")
	cmd.Flags().BoolVar(&raw, "raw", false, "show tokens unmasked")
	return cmd
}

// exactArgs requires n positional arguments, naming what they are in the error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		if n == 0 {
			return flagErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args)
		}
		return flagErrorf("%s needs %s, got %d arguments", cmd.CommandPath(), what, len(args))
	}
}
