// Package ctlconfig owns judgectl's config file: named contexts (server URL + token), the
// current context, where the file lives and how the effective server and token are resolved
// (flag > JUDGE_SERVER/JUDGE_TOKEN env > the selected context).
package ctlconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultContext is the context created by the first `config set`.
const DefaultContext = "default"

// File is the content of config.yaml.
type File struct {
	// CurrentContext names the context used when --context is not given.
	CurrentContext string `yaml:"current-context,omitempty" json:"current-context,omitempty"`
	// Contexts are the known servers, in the order they were created.
	Contexts []Context `yaml:"contexts,omitempty" json:"contexts,omitempty"`
}

// Context is one server and the token used with it.
type Context struct {
	Name   string `yaml:"name" json:"name"`
	Server string `yaml:"server,omitempty" json:"server,omitempty"`
	Token  string `yaml:"token,omitempty" json:"token,omitempty"`
}

// Path returns the config file's path: $JUDGECTL_CONFIG, else
// os.UserConfigDir()/judge/config.yaml.
func Path() (string, error) {
	if p := os.Getenv("JUDGECTL_CONFIG"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find config directory (set JUDGECTL_CONFIG to choose a file): %w", err)
	}
	return filepath.Join(dir, "judge", "config.yaml"), nil
}

// Load reads the file at path; a missing file is an empty config.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	var f File
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse config %s (fix or delete it): %w", path, err)
	}
	return &f, nil
}

// Save writes f to path atomically with mode 0600, because it holds tokens.
func (f *File) Save(path string) error {
	data, err := yaml.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create config directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.yaml")
	if err != nil {
		return fmt.Errorf("write config %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write config %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write config %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write config %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write config %s: %w", path, err)
	}
	return nil
}

// Context returns the named context.
func (f *File) Context(name string) (*Context, bool) {
	for i := range f.Contexts {
		if f.Contexts[i].Name == name {
			return &f.Contexts[i], true
		}
	}
	return nil, false
}

// Names returns the context names.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Contexts))
	for _, c := range f.Contexts {
		names = append(names, c.Name)
	}
	return names
}

// Ensure returns the named context, creating it (and making it current if there was none).
func (f *File) Ensure(name string) *Context {
	if c, ok := f.Context(name); ok {
		return c
	}
	f.Contexts = append(f.Contexts, Context{Name: name})
	if f.CurrentContext == "" {
		f.CurrentContext = name
	}
	return &f.Contexts[len(f.Contexts)-1]
}

// Delete removes the named context.
func (f *File) Delete(name string) error {
	i := slices.IndexFunc(f.Contexts, func(c Context) bool { return c.Name == name })
	if i < 0 {
		return f.unknown(name)
	}
	f.Contexts = slices.Delete(f.Contexts, i, i+1)
	if f.CurrentContext == name {
		f.CurrentContext = ""
	}
	return nil
}

// Use makes name the current context.
func (f *File) Use(name string) error {
	if _, ok := f.Context(name); !ok {
		return f.unknown(name)
	}
	f.CurrentContext = name
	return nil
}

func (f *File) unknown(name string) error {
	if len(f.Contexts) == 0 {
		return fmt.Errorf("no context %q: there are no contexts yet; create one with `judgectl config set server URL --context %s`", name, name)
	}
	return fmt.Errorf("no context %q (known: %s); create it with `judgectl config set server URL --context %s`",
		name, strings.Join(f.Names(), ", "), name)
}

// Masked returns a copy with every token reduced to a hint, for printing.
func (f *File) Masked() *File {
	m := &File{CurrentContext: f.CurrentContext, Contexts: slices.Clone(f.Contexts)}
	for i := range m.Contexts {
		m.Contexts[i].Token = MaskToken(m.Contexts[i].Token)
	}
	return m
}

// MaskToken keeps only the first four characters of a token.
func MaskToken(tok string) string {
	switch {
	case tok == "":
		return ""
	case len(tok) <= 8:
		return "********"
	default:
		return tok[:4] + "…(redacted)"
	}
}

// Overrides are the values given outside the file.
type Overrides struct {
	Context string // --context
	Server  string // --server
	Token   string // --token
}

// Resolved is the effective connection setting and where it came from.
type Resolved struct {
	Context      string
	Server       string
	ServerSource string
	Token        string
	TokenSource  string
}

// ErrNoServer is returned by Resolve when no server is configured anywhere.
var ErrNoServer = errors.New("no judge server configured: run `judgectl config set server URL`, set JUDGE_SERVER, or pass --server URL")

// Resolve computes the effective server and token: flags, then JUDGE_SERVER / JUDGE_TOKEN,
// then the context named by --context or the current one.
func (f *File) Resolve(o Overrides, getenv func(string) string) (Resolved, error) {
	var r Resolved
	name := o.Context
	if name == "" {
		name = f.CurrentContext
	}
	var ctx *Context
	if name != "" {
		c, ok := f.Context(name)
		if !ok && o.Context != "" {
			return r, f.unknown(name)
		}
		ctx = c
		r.Context = name
	}
	switch {
	case o.Server != "":
		r.Server, r.ServerSource = o.Server, "--server"
	case getenv("JUDGE_SERVER") != "":
		r.Server, r.ServerSource = getenv("JUDGE_SERVER"), "JUDGE_SERVER"
	case ctx != nil && ctx.Server != "":
		r.Server, r.ServerSource = ctx.Server, "context "+ctx.Name
	default:
		return r, ErrNoServer
	}
	switch {
	case o.Token != "":
		r.Token, r.TokenSource = o.Token, "--token"
	case getenv("JUDGE_TOKEN") != "":
		r.Token, r.TokenSource = getenv("JUDGE_TOKEN"), "JUDGE_TOKEN"
	case ctx != nil && ctx.Token != "":
		r.Token, r.TokenSource = ctx.Token, "context "+ctx.Name
	}
	return r, nil
}
