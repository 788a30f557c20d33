package config

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// StackFileName is where `make stack` writes the local stack's connection settings, relative to
// the repository root.
const StackFileName = ".stack/stack.env"

// Sources tells Load where to look. Zero values mean "not given".
type Sources struct {
	// Flags are the parsed command-line flags registered by BindFlags; only changed ones count.
	Flags *pflag.FlagSet
	// Getenv reads the environment (os.Getenv in production, a map in tests).
	Getenv func(string) string
	// File is the YAML file from --config; empty means JUDGE_CONFIG, else none.
	File string
	// StackFile is the stack settings file; empty means JUDGE_STACK_FILE, else FindStackFile(Dir).
	StackFile string
	// Dir is where the search for the stack file starts; empty means the working directory.
	Dir string
}

// BindFlags registers one flag per setting on fs, with the defaults shown in help.
func BindFlags(fs *pflag.FlagSet) {
	def := Default()
	forEachField(&def, func(f field) {
		switch v := f.value.Interface().(type) {
		case string:
			fs.String(f.flag, v, f.usage)
		case int:
			fs.Int(f.flag, v, f.usage)
		case time.Duration:
			fs.Duration(f.flag, v, f.usage)
		case []string:
			fs.StringSlice(f.flag, v, f.usage)
		case ByteSize:
			fs.Var(&v, f.flag, f.usage)
		}
	})
	fs.String("config", "", "YAML config file (env JUDGE_CONFIG)")
}

// Load resolves the configuration from every source and validates it.
func Load(src Sources) (Config, error) {
	getenv := src.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := Default()

	stackPath := src.StackFile
	if stackPath == "" {
		stackPath = getenv("JUDGE_STACK_FILE")
	}
	if stackPath == "" {
		stackPath = FindStackFile(src.Dir)
	}
	if stackPath != "" {
		vars, err := ReadEnvFile(stackPath)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return cfg, fmt.Errorf("read stack settings %s: %w", stackPath, err)
		}
		if err := applyEnv(&cfg, func(k string) string { return vars[k] }, stackPath); err != nil {
			return cfg, err
		}
	}

	file := src.File
	if src.Flags != nil {
		if f := src.Flags.Lookup("config"); f != nil && f.Changed {
			file = f.Value.String()
		}
	}
	if file == "" {
		file = getenv("JUDGE_CONFIG")
	}
	if file != "" {
		if err := applyYAML(&cfg, file); err != nil {
			return cfg, err
		}
	}

	if err := applyEnv(&cfg, getenv, "environment"); err != nil {
		return cfg, err
	}
	if src.Flags != nil {
		if err := applyFlags(&cfg, src.Flags); err != nil {
			return cfg, err
		}
	}
	if cfg.DockerHost == "" {
		cfg.DockerHost = getenv("DOCKER_HOST")
	}
	return cfg, cfg.Validate()
}

// FindStackFile looks for StackFileName in dir and its parents and returns the first found, or "".
func FindStackFile(dir string) string {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return ""
		}
		dir = wd
	}
	for {
		p := filepath.Join(dir, StackFileName)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// ReadEnvFile parses KEY=VALUE lines (optionally prefixed by `export`, values optionally quoted);
// blank lines and # comments are ignored.
func ReadEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want KEY=VALUE, got %q", path, n, line)
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		} else if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = v[1 : len(v)-1]
		}
		vars[strings.TrimSpace(k)] = v
	}
	return vars, sc.Err()
}

// Masked renders the configuration as YAML with secrets hidden, for `judged config print`.
func (c Config) Masked() string {
	out := map[string]any{}
	forEachField(&c, func(f field) {
		v := f.value.Interface()
		if f.secret {
			if s, _ := v.(string); s != "" {
				v = maskSecret(s)
			}
		}
		if d, ok := v.(time.Duration); ok {
			v = d.String()
		}
		out[f.yaml] = v
	})
	b, err := yaml.Marshal(out)
	if err != nil {
		return fmt.Sprintf("# cannot render config: %v\n", err)
	}
	return string(b)
}

// maskSecret hides a DSN's password but keeps host and database visible, so the output still
// helps to debug a wrong setting.
func maskSecret(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	var parts []string
	for _, kv := range strings.Fields(s) {
		if strings.HasPrefix(kv, "password=") {
			kv = "password=xxxxx"
		}
		parts = append(parts, kv)
	}
	if len(parts) > 0 {
		return strings.Join(parts, " ")
	}
	return "xxxxx"
}

type field struct {
	value  reflect.Value
	yaml   string
	env    string
	flag   string
	usage  string
	secret bool
}

func forEachField(c *Config, fn func(field)) {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		fn(field{
			value:  v.Field(i),
			yaml:   sf.Tag.Get("yaml"),
			env:    sf.Tag.Get("env"),
			flag:   sf.Tag.Get("flag"),
			usage:  sf.Tag.Get("usage"),
			secret: sf.Tag.Get("secret") == "true",
		})
	}
}

func applyEnv(c *Config, getenv func(string) string, origin string) error {
	var errs []error
	forEachField(c, func(f field) {
		raw := getenv(f.env)
		if raw == "" {
			return
		}
		if err := setFromString(f.value, raw); err != nil {
			errs = append(errs, fmt.Errorf("%s from %s: %w", f.env, origin, err))
		}
	})
	return errors.Join(errs...)
}

func applyFlags(c *Config, fs *pflag.FlagSet) error {
	var errs []error
	forEachField(c, func(f field) {
		fl := fs.Lookup(f.flag)
		if fl == nil || !fl.Changed {
			return
		}
		raw := fl.Value.String()
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			raw = strings.Join(sv.GetSlice(), ",")
		}
		if err := setFromString(f.value, raw); err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", f.flag, err))
		}
	})
	return errors.Join(errs...)
}

func applyYAML(c *Config, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config file: %w", err)
	}
	var raw map[string]yaml.Node
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	known := map[string]bool{}
	var errs []error
	forEachField(c, func(f field) {
		known[f.yaml] = true
		node, ok := raw[f.yaml]
		if !ok {
			return
		}
		if err := decodeNode(f.value, &node); err != nil {
			errs = append(errs, fmt.Errorf("config file %s:%d: %s: %w", path, node.Line, f.yaml, err))
		}
	})
	for k, node := range raw {
		if !known[k] {
			errs = append(errs, fmt.Errorf("config file %s:%d: unknown setting %q", path, node.Line, k))
		}
	}
	return errors.Join(errs...)
}

func decodeNode(v reflect.Value, node *yaml.Node) error {
	_, isSize := v.Interface().(ByteSize)
	if _, ok := v.Interface().(time.Duration); ok || isSize {
		var s string
		if err := node.Decode(&s); err != nil {
			return err
		}
		return setFromString(v, s)
	}
	return node.Decode(v.Addr().Interface())
}

func setFromString(v reflect.Value, raw string) error {
	switch v.Interface().(type) {
	case string:
		v.SetString(raw)
	case int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		v.SetInt(int64(n))
	case ByteSize:
		b, err := ParseByteSize(raw)
		if err != nil {
			return err
		}
		v.SetInt(int64(b))
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration like 30s or 2m", raw)
		}
		v.SetInt(int64(d))
	case []string:
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		v.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("unsupported setting type %s", v.Type())
	}
	return nil
}
