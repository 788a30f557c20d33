package worker_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/engine/sandboxed"
	"github.com/judge-dev/judge/pkg/lang"
	"github.com/judge-dev/judge/pkg/problem"
	"github.com/judge-dev/judge/pkg/sandbox"
	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/worker"
)

type onePackage struct{ pkg store.ProblemPackage }

func (o onePackage) ProblemPackageRef(context.Context, int64) (store.PackageRef, error) {
	return o.pkg.PackageRef, nil
}

func (o onePackage) PackageArchive(context.Context, string) ([]byte, error) {
	return o.pkg.Archive, nil
}

// TestSandboxJudgerPackageFeatures judges on the worker path, with the real sandbox, a package
// whose submissions get a driver from include/cpp/ and whose outputs must pass two legacy
// output validators, one a C++ program with its header.
func TestSandboxJudgerPackageFeatures(t *testing.T) {
	docker := testenv.Docker(t)
	testenv.Image(t, "base")
	dir := t.TempDir()
	for name, content := range map[string]string{
		"problem.yaml":                       "name: Add\nvalidation: custom\nlimits:\n  time_limit: 1\n",
		"data/sample/1.in":                   "3 4\n",
		"data/sample/1.ans":                  "7\n",
		"data/secret/1.in":                   "20 22\n",
		"data/secret/1.ans":                  "42\n",
		"include/cpp/main.cpp":               "#include <cstdio>\n#include \"add.h\"\nint main(){int a,b;if(scanf(\"%d %d\",&a,&b)!=2)return 1;printf(\"%d\\n\",add(a,b));}\n",
		"include/cpp/add.h":                  "int add(int a, int b);\n",
		"output_validators/a_same/check.h":   "#include <fstream>\ninline long answer(const char *p){std::ifstream f(p);long v;f>>v;return v;}\n",
		"output_validators/a_same/check.cc":  "#include <iostream>\n#include \"check.h\"\nint main(int c,char**v){long x;if(!(std::cin>>x))return 43;return x==answer(v[2])?42:43;}\n",
		"output_validators/b_plain/plain.py": "import sys\nw = sys.stdin.read().split()\nsys.exit(43 if w and len(w[0]) > 1 and w[0][0] == '0' else 42)\n",
		"submissions/accepted/add.cpp":       "int add(int a, int b) { return a + b; }\n",
		"submissions/wrong_answer/sub.cpp":   "int add(int a, int b) { return a - b; }\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var archive bytes.Buffer
	if err := problem.Pack(&archive, dir, problem.TarGz); err != nil {
		t.Fatal(err)
	}
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sb, err := sandbox.New(ctx, docker, langs, sandbox.Options{AgentPath: testenv.JudgedBinary(t), PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close(context.Background()) })
	j := worker.NewSandboxJudger(sandboxed.New(sb, langs), onePackage{store.ProblemPackage{Archive: archive.Bytes(), PackageRef: store.PackageRef{SHA256: "add", TimeLimitMS: 1000}}}, langs, 0)
	for _, tc := range []struct{ source, want string }{
		{"int add(int a, int b) { return a + b; }\n", apiv1.VerdictAC},
		{"int add(int a, int b) { return a - b; }\n", apiv1.VerdictWA},                                    // a_same rejects
		{"#include <cstdio>\nint add(int a, int b) { printf(\"00\"); return a + b; }\n", apiv1.VerdictWA}, // a_same accepts 007, b_plain does not
		{"int add(int a, int b) { return 0 }\n", apiv1.VerdictCE},
	} {
		v, err := j.Judge(ctx, store.Claimed{Language: "cpp", Source: tc.source, ProblemID: 1, Limits: store.Limits{TimeMS: 1000}}, func(store.TestResult) {})
		if err != nil || v.Verdict != tc.want {
			t.Errorf("%q: %s %v (%s), want %s", tc.source, v.Verdict, err, v.CompileOutput, tc.want)
		}
	}
}
