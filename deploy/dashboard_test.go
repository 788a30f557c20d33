package deploy

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// exportedMetrics returns the judge_* metric names the module's non-test Go code registers: the
// Name of a prometheus *Opts literal, or the first argument of prometheus.NewDesc.
func exportedMetrics(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".stack" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		add := func(e ast.Expr) {
			lit, ok := e.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return
			}
			if name, _ := strconv.Unquote(lit.Value); strings.HasPrefix(name, "judge_") {
				out[name] = rel
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				sel, ok := n.Type.(*ast.SelectorExpr)
				if !ok || !strings.HasSuffix(sel.Sel.Name, "Opts") {
					return true
				}
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Name" {
							add(kv.Value)
						}
					}
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "NewDesc" && len(n.Args) > 0 {
					add(n.Args[0])
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var metricRef = regexp.MustCompile(`\bjudge_[a-z0-9_]+`)

// TestDashboardPlotsOnlyExportedMetrics: every judge_* series a panel of deploy/grafana/judge.json
// queries is registered by some role (a histogram's _bucket, _sum and _count count as it).
func TestDashboardPlotsOnlyExportedMetrics(t *testing.T) {
	exported := exportedMetrics(t, "..")
	if len(exported) < 5 {
		t.Fatalf("found only %d registered metrics (%v): the scan is broken", len(exported), exported)
	}
	b, err := os.ReadFile("grafana/judge.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("grafana/judge.json: %v", err)
	}
	plotted := map[string]bool{}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			for _, m := range metricRef.FindAllString(tg.Expr, -1) {
				base := m
				for _, suf := range []string{"_bucket", "_count", "_sum"} {
					if b := strings.TrimSuffix(m, suf); b != m {
						if _, ok := exported[b]; ok {
							base = b
						}
					}
				}
				if _, ok := exported[base]; !ok {
					t.Errorf("panel %q plots %s, which no role exports", p.Title, m)
				}
				plotted[base] = true
			}
		}
	}
	var unplotted []string
	for m := range exported {
		if !plotted[m] {
			unplotted = append(unplotted, m)
		}
	}
	sort.Strings(unplotted)
	if len(unplotted) > 0 {
		t.Logf("exported but not on the dashboard: %v", unplotted)
	}
}

func TestPrometheusScrapesEveryRole(t *testing.T) {
	b, err := os.ReadFile("prometheus/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(b, &conf); err != nil {
		t.Fatal(err)
	}
	jobs := map[string]bool{}
	for _, s := range conf.ScrapeConfigs {
		jobs[s.JobName] = true
	}
	for _, j := range []string{"judge-api", "judge-relay", "judge-worker", "judge-kubernetes"} {
		if !jobs[j] {
			t.Errorf("prometheus.yml has no job %s", j)
		}
	}
}
