package judgectlcmd

import (
	"fmt"
	"io"
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
		newConfigSetContextCmd(f),
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

// maxTokenBytes bounds what --token-stdin reads: a token is a line, not a file.
const maxTokenBytes = 4096

func newConfigSetContextCmd(f *Factory) *cobra.Command {
	var tokenStdin bool
	cmd := &cobra.Command{
		Use:   "set-context [NAME]",
		Short: "Create or update a context from --server and --token (or --token-stdin); NAME defaults to the current context",
		Long: `set-context writes the global --server and --token flags into the context NAME (created
if new; the first context becomes the current one). --token-stdin reads the token from
standard input instead, so it never appears in the shell's history or the process list.`,
		Example: `  judgectl config set-context prod --server https://judge.example:8080 --token-stdin < token.txt
  pass show judge/token | judgectl config set-context --token-stdin`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return flagErrorf("config set-context takes at most one context NAME, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			server, token := f.overrides.Server, f.overrides.Token
			if tokenStdin && token != "" {
				return flagErrorf("--token and --token-stdin both give the token: use one")
			}
			if tokenStdin {
				tok, err := readToken(f.IO.In)
				if err != nil {
					return err
				}
				token = tok
			}
			if server == "" && token == "" {
				return flagErrorf("nothing to set: give --server URL, --token-stdin or --token")
			}
			if server != "" && !strings.Contains(server, "://") {
				return flagErrorf("--server %q: give a URL such as http://host:8080", server)
			}
			return f.editConfig(func(cf *ctlconfig.File) error {
				name := f.overrides.Context
				if len(args) == 1 {
					name = args[0]
				}
				if name == "" {
					name = cf.CurrentContext
				}
				if name == "" {
					name = ctlconfig.DefaultContext
				}
				c := cf.Ensure(name)
				if server != "" {
					c.Server = server
				}
				if token != "" {
					c.Token = token
				}
				fmt.Fprintf(f.IO.ErrOut, "Context %q saved.\n", name)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&tokenStdin, "token-stdin", false, "read the token from standard input (first line)")
	return cmd
}

// readToken reads a token from r: the first line, without surrounding blanks.
func readToken(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxTokenBytes+1))
	if err != nil {
		return "", fmt.Errorf("read the token from standard input: %w", err)
	}
	if len(data) > maxTokenBytes {
		return "", flagErrorf("--token-stdin: standard input is longer than %d bytes; pipe only the token", maxTokenBytes)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	tok := strings.TrimSpace(line)
	if tok == "" {
		return "", flagErrorf("--token-stdin: standard input holds no token; pipe it in, e.g. `judgectl config set-context --token-stdin < token.txt`")
	}
	return tok, nil
}

func newConfigUseContextCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "use-context NAME",
		Example: `  judgectl config use-context staging`,
		Short:   "Make NAME the current context",
		Args:    exactArgs(1, "a context name"),
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
		Use:     "delete-context NAME",
		Example: `  judgectl config delete-context staging`,
		Short:   "Remove the context NAME",
		Args:    exactArgs(1, "a context name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.editConfig(func(cf *ctlconfig.File) error { return cf.Delete(args[0]) })
		},
	}
}

func newConfigCurrentContextCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "current-context",
		Example: `  judgectl config current-context`,
		Short:   "Print the current context's name",
		Args:    exactArgs(0, ""),
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
	var format string
	cmd := &cobra.Command{
		Use:   "get-contexts",
		Short: "List the contexts; * marks the current one",
		Example: `  judgectl config get-contexts
  judgectl config get-contexts -o json`,
		Args: exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			cf, _, err := f.LoadConfig()
			if err != nil {
				return err
			}
			return writeContexts(f.IO, format, cf.Masked())
		},
	}
	addOutputFlag(cmd, &format, formatTable)
	return cmd
}

// writeContexts prints the contexts of cf: a table says only whether a token is set, JSON and
// YAML show the file as it is given (masked by the caller unless --raw).
func writeContexts(ios *IOStreams, format string, cf *ctlconfig.File) error {
	if format != formatTable {
		return writeData(ios.Out, format, cf)
	}
	t := newTable(ios, "CURRENT", "NAME", "SERVER", "TOKEN")
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
}

func newConfigViewCmd(f *Factory) *cobra.Command {
	var format string
	var raw bool
	cmd := &cobra.Command{
		Use:   "view",
		Short: "Print the config file (tokens masked unless --raw) and the effective server",
		Example: `  judgectl config view
  judgectl config view -o json --raw`,
		Args: exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
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
			return writeContexts(f.IO, format, cf)
		},
	}
	addOutputFlag(cmd, &format, formatYAML)
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
