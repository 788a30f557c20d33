package verify

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/judge-dev/judge/pkg/problem"
)

// TestGeneratedPackagesAgree is the differential check on packages the suite makes: every
// legacy example rewritten as a 2023-07 package (so that BAPCtools, which reads only 2023-07's
// successor, judges each shape the examples have: validators with headers, interactors of two
// files, MLE/OLE/CE folders), and packages of random tokens judged by the default output
// validator under three sets of its flags, in both format versions. Every submission the judge and a
// reference tool both judge must get the same verdict. Only agreement is required: the folders
// the generator puts submissions in are its guesses, logged when they miss.
func TestGeneratedPackagesAgree(t *testing.T) {
	pt, bt := findProblemtools(t), findBapctools(t)
	if pt == nil && bt == nil {
		t.Skip("no reference tool to compare with: set JUDGE_PROBLEMTOOLS or JUDGE_BAPCTOOLS (make test sets both)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	eng, langs, avail := sandboxVerifier(ctx, t)

	root := t.TempDir()
	examples := filepath.Join("..", "..", "..", "examples", "problems")
	var dirs []string
	// subtasks is a scoring problem: neither tool judges 2023-07 scoring.
	for _, name := range []string{"absdiff", "bits", "divide", "factor", "guess", "hello", "shout"} {
		dirs = append(dirs, to202307(t, filepath.Join(examples, name), filepath.Join(root, name+"2023")))
	}
	rng := rand.New(rand.NewPCG(2023, 7)) // fixed: a disagreement must reproduce
	for i, flags := range tokenFlagSets {
		for _, format := range []string{problem.FormatLegacy, problem.Format202307} {
			dirs = append(dirs, tokensPackage(t, rng, filepath.Join(root, fmt.Sprintf("tokens%d%s", i, strings.ReplaceAll(format, "-", ""))), format, flags))
		}
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			p, err := problem.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Problem(ctx, p, langs, eng, Options{Available: avail})
			var out bytes.Buffer
			Print(&out, rep)
			t.Log("\n" + out.String())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rep.Results {
				if r.Skipped == "" && !r.OK() {
					t.Logf("the generator's guess missed: %s got %s (%s)", r.Path, r.Got, r.Mismatch)
				}
			}
			// problemtools 1.20260907 is no reference for these 2023-07 packages: it ignores
			// output_validator_args and reports JE for the C++ validators (its 2023-07 support
			// is, in its own words, very incomplete). The example packages it does judge.
			if pt != nil && p.Format == problem.FormatLegacy {
				pt.check(t, dir, p, rep, out.String())
			}
			if bt != nil && p.Format == problem.Format202307 {
				bt.check(t, dir, p, rep, out.String())
			}
		})
	}
}

// to202307 writes the legacy package in src as a 2023-07 package at dst: problem.yaml's
// validation becomes type, validator_flags become data/testdata.yaml's output_validator_args,
// and the one directory of output_validators/ becomes output_validator/.
func to202307(t *testing.T, src, dst string) string {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	readYAML(t, filepath.Join(dst, "problem.yaml"), &meta)
	meta["problem_format_version"] = problem.Format202307
	if v, ok := meta["validation"].(string); ok && strings.Contains(v, "interactive") {
		meta["type"] = "interactive"
	}
	delete(meta, "validation")
	if flags, ok := meta["validator_flags"].(string); ok {
		writeYAML(t, filepath.Join(dst, "data", "testdata.yaml"), map[string]any{"output_validator_args": strings.Fields(flags)})
		delete(meta, "validator_flags")
	}
	writeYAML(t, filepath.Join(dst, "problem.yaml"), meta)
	validators, err := os.ReadDir(filepath.Join(dst, "output_validators"))
	switch {
	case os.IsNotExist(err):
	case err != nil:
		t.Fatal(err)
	case len(validators) != 1 || !validators[0].IsDir():
		t.Fatalf("%s: want one directory in output_validators/ to make a 2023-07 output_validator/", src)
	default:
		if err := os.Rename(filepath.Join(dst, "output_validators", validators[0].Name()), filepath.Join(dst, "output_validator")); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(dst, "output_validators")); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// tokenFlagSets are the default output validator's flags the token packages are judged under.
// (float_tolerance, both tolerances at once, is the divide example's.)
var tokenFlagSets = [][]string{
	nil,
	{"space_change_sensitive", "float_absolute_tolerance", "1e-3"},
	{"float_relative_tolerance", "1e-4", "case_sensitive"},
}

// tokenSubmissions print the test input (which is the answer) changed in one way each; the key
// is the file, its folder the generator's guess under flags.
var tokenSubmissions = map[string]string{
	"echo.py":  "import sys\nsys.stdout.write(sys.stdin.read())\n",
	"upper.py": "import sys\nsys.stdout.write(sys.stdin.read().upper())\n",
	"lines.py": "import sys\nprint('\\n'.join(sys.stdin.read().split()))\n",
	"nudge.py": nudge(1e-9),
	"shove.py": nudge(1e-3),
	"drop.py":  "import sys\nprint(' '.join(sys.stdin.read().split()[:-1]))\n",
	"crash.py": "import sys\nsys.stdout.write(sys.stdin.read())\nsys.exit(4)\n",
}

// nudge is a submission that multiplies every token with a decimal point by 1+d.
func nudge(d float64) string {
	return fmt.Sprintf(`import sys
for line in sys.stdin.read().split("\n")[:-1]:
    print(" ".join(repr(float(x) * (1 + %g)) if "." in x else x for x in line.split(" ")))
`, d)
}

// tokenGuess is the folder the generator expects a token submission in under flags.
func tokenGuess(file string, flags []string) string {
	has := func(f string) bool { return strings.Contains(" "+strings.Join(flags, " ")+" ", " "+f+" ") }
	tolerant := has("float_tolerance") || has("float_absolute_tolerance") || has("float_relative_tolerance")
	switch {
	case file == "crash.py":
		return "run_time_error"
	case file == "upper.py" && has("case_sensitive"),
		file == "lines.py" && has("space_change_sensitive"),
		file == "nudge.py" && !tolerant, file == "shove.py", file == "drop.py":
		return "wrong_answer"
	}
	return "accepted"
}

// tokensPackage writes a package whose tests are random tokens (integers, decimals, words of
// mixed case, on a few lines), each test's input its own answer, judged by the default output
// validator with flags.
func tokensPackage(t *testing.T, rng *rand.Rand, dir, format string, flags []string) string {
	t.Helper()
	meta := map[string]any{"name": "Tokens " + strings.Join(flags, " "), "limits": map[string]any{"time_limit": 1}}
	if format == problem.Format202307 {
		meta["problem_format_version"] = format
		if len(flags) > 0 {
			writeYAML(t, filepath.Join(dir, "data", "testdata.yaml"), map[string]any{"output_validator_args": flags})
		}
	} else if len(flags) > 0 {
		meta["validator_flags"] = strings.Join(flags, " ")
	}
	writeYAML(t, filepath.Join(dir, "problem.yaml"), meta)
	for i := range 3 {
		group := "secret"
		if i == 0 {
			group = "sample"
		}
		test := randomTokens(rng)
		for _, ext := range []string{".in", ".ans"} {
			writeFile(t, filepath.Join(dir, "data", group, fmt.Sprintf("%d%s", i, ext)), test)
		}
	}
	for file, src := range tokenSubmissions {
		writeFile(t, filepath.Join(dir, "submissions", tokenGuess(file, flags), file), src)
	}
	return dir
}

func randomTokens(rng *rand.Rand) string {
	var b strings.Builder
	for range 1 + rng.IntN(4) {
		var line []string
		for range 1 + rng.IntN(6) {
			switch rng.IntN(4) {
			case 0:
				line = append(line, strconv.FormatInt(rng.Int64N(2e9)-1e9, 10))
			case 1:
				scale := []float64{1e-4, 1, 1e3, 1e6}[rng.IntN(4)]
				line = append(line, strconv.FormatFloat((rng.Float64()-0.3)*scale, 'f', 1+rng.IntN(8), 64))
			case 2:
				line = append(line, strconv.FormatFloat(rng.Float64()*1e-3, 'e', 1+rng.IntN(5), 64))
			default:
				w := make([]byte, 1+rng.IntN(6))
				for j := range w {
					w[j] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[rng.IntN(52)]
				}
				line = append(line, string(w))
			}
		}
		b.WriteString(strings.Join(line, " ") + "\n")
	}
	return b.String()
}

func readYAML(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func writeYAML(t *testing.T, file string, v any) {
	t.Helper()
	data, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, file, string(data))
}

func writeFile(t *testing.T, file, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
