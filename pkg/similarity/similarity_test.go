package similarity

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

const original = `#include <stdio.h>
/* Sum of the prefix maxima. */
int main(void) {
    int n, best = -1000000;
    long long total = 0;
    scanf("%d", &n);
    for (int i = 0; i < n; i++) {
        int x;
        scanf("%d", &x);
        if (x > best) best = x;   // new maximum
        total += best;
    }
    printf("%lld\n", total);
    return 0;
}
`

// The same program with every name changed, other comments, other literals and another layout.
const disguised = `#include <stdio.h>
// my own solution!!
int main(void)
{
  int count, maxSoFar = -999;
  long long acc = 0;
  scanf("%d",&count);
  for (int k = 0; k < count; k++)
  {
    int value;
    scanf("%d", &value);
    if (value > maxSoFar)
      maxSoFar = value;
    acc += maxSoFar;   /* running */
  }
  printf("%lld\n",acc);
  return 0;
}
`

const unrelated = `#include <stdio.h>
#include <string.h>
static char buf[1 << 20];
int is_pal(const char *s, int len) {
    for (int i = 0, j = len - 1; i < j; ++i, --j)
        if (s[i] != s[j]) return 0;
    return 1;
}
int main(void) {
    int cases = 0;
    while (fgets(buf, sizeof buf, stdin)) {
        size_t len = strlen(buf);
        while (len && (buf[len-1] == '\n' || buf[len-1] == '\r')) buf[--len] = 0;
        puts(is_pal(buf, (int)len) ? "yes" : "no");
        cases++;
    }
    fprintf(stderr, "%d cases\n", cases);
    return 0;
}
`

func TestTokenizeNormalises(t *testing.T) {
	same := func(a, b string, fam Family) bool {
		ta, tb := tokenize(a, fam), tokenize(b, fam)
		if len(ta) != len(tb) {
			return false
		}
		for i := range ta {
			if ta[i].hash != tb[i].hash {
				return false
			}
		}
		return true
	}
	for _, tt := range []struct {
		a, b string
		fam  Family
		want bool
	}{
		{"a = b + 1; // one", "total=other+42;/* two\nlines */", FamilyC, true},
		{`s = "x\"y"`, "t = 'z'", FamilyC, true},
		{"x = 1 # note", "y = 2", FamilyHash, true},
		{"def f(x):\n    '''doc'''\n    return x", "def g(y):\n    \"\"\"other\"\"\"\n    return y", FamilyHash, true},
		{"if (a) b;", "while (a) b;", FamilyC, false}, // keywords keep their spelling
		{"a + b", "a - b", FamilyC, false},
	} {
		if got := same(tt.a, tt.b, tt.fam); got != tt.want {
			t.Errorf("same(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
	toks := tokenize("a\n/* x\ny */ b\n\"s\ntail", FamilyC)
	if len(toks) != 4 || toks[1].line != 3 || toks[2].line != 4 || toks[3].line != 5 {
		t.Errorf("lines of tokens: %+v", toks)
	}
}

func TestFamilyOf(t *testing.T) {
	for lang, want := range map[string]Family{"python3": FamilyHash, "pypy3": FamilyHash, "ruby": FamilyHash, "cpp": FamilyC, "c": FamilyC, "java": FamilyC, "rust": FamilyC, "": FamilyC} {
		if got := FamilyOf(lang); got != want {
			t.Errorf("FamilyOf(%q) = %v, want %v", lang, got, want)
		}
	}
}

func TestCompareFindsDisguisedCopyNotUnrelated(t *testing.T) {
	docs := []*Document{
		NewDocument("alice", "c", original, Options{}),
		NewDocument("bob", "c", disguised, Options{}),
		NewDocument("carol", "c", unrelated, Options{}),
	}
	pairs := Compare(docs, Options{}, 0.2)
	if len(pairs) != 1 {
		t.Fatalf("pairs = %+v, want alice–bob only", pairs)
	}
	p := pairs[0]
	if p.A != 0 || p.B != 1 || p.Score < 0.9 {
		t.Errorf("alice–bob = %+v, want a score of at least 0.9", p)
	}
	if len(p.Matches) == 0 {
		t.Fatal("no matching region")
	}
	m := p.Matches[0]
	// The copy is the whole program: line 1 to the closing brace (15 in A, 18 in B).
	if len(p.Matches) != 1 || m.A.StartLine != 1 || m.B.StartLine != 1 || m.A.EndLine != 15 || m.B.EndLine != 18 {
		t.Errorf("region = %+v, want it to cover main in both", m)
	}
	if got := original[m.A.Start:m.A.End]; !strings.HasPrefix(got, "#include") || !strings.HasSuffix(got, "return 0;\n}") {
		t.Errorf("region A = %q", got)
	}
	// Unrelated programs share (nearly) nothing.
	for _, p := range Compare(docs, Options{}, 0) {
		if p.B == 2 && p.Score > 0.1 {
			t.Errorf("unrelated pair %s–carol scores %.2f", docs[p.A].Name, p.Score)
		}
	}
}

func TestCommonCodeIsIgnored(t *testing.T) {
	// Every student starts from the same template; only two copy each other's solution.
	template := strings.Repeat("int read_int(void) { int x; scanf(\"%d\", &x); return x; }\n", 1) +
		"void emit(long long v) { printf(\"%lld\\n\", v); fflush(stdout); }\n"
	var docs []*Document
	for i := range 8 {
		body := fmt.Sprintf("int main(void) { int v%d = read_int(); for (int i = 0; i < %d; i++) v%d ^= i * %d; emit(v%d); return 0; }\n", i, i, i, i+3, i)
		if i == 7 {
			body = strings.Replace(original, "/* Sum of the prefix maxima. */", "", 1)
		}
		docs = append(docs, NewDocument(fmt.Sprint(i), "c", template+body, Options{}))
	}
	docs = append(docs, NewDocument("copy", "c", template+disguised, Options{}))
	pairs := Compare(docs, Options{MaxDocs: 3}, 0.5)
	if len(pairs) != 1 || pairs[0].A != 7 || pairs[0].B != 8 {
		t.Errorf("pairs = %+v, want only 7–copy (the template is everyone's)", pairs)
	}
}

func TestEmptyAndTinyDocuments(t *testing.T) {
	docs := []*Document{NewDocument("e", "c", "", Options{}), NewDocument("t", "c", "x", Options{}), NewDocument("u", "c", "y", Options{})}
	pairs := Compare(docs, Options{}, 0.5)
	if len(pairs) != 1 || pairs[0].A != 1 || pairs[0].B != 2 {
		t.Errorf("pairs = %+v, want t–u (same single token)", pairs)
	}
}

// program generates a plausible solution: statements drawn from a seeded generator, so two
// seeds give unrelated programs.
func program(r *rand.Rand, lines int) string {
	var b strings.Builder
	b.WriteString("#include <stdio.h>\nint main(void) {\n")
	ops := []string{"+", "-", "*", "^", "%", "&", "|"}
	for i := range lines {
		v := fmt.Sprintf("v%d", r.IntN(20))
		switch r.IntN(6) {
		case 0:
			fmt.Fprintf(&b, "  for (int i%d = 0; i%d < %s; i%d++) {\n", i, i, v, i)
		case 1:
			fmt.Fprintf(&b, "  if (%s %s %d > %s) %s = %d;\n", v, ops[r.IntN(len(ops))], r.IntN(100), v, v, r.IntN(9))
		case 2:
			fmt.Fprintf(&b, "  }\n")
		case 3:
			fmt.Fprintf(&b, "  scanf(\"%%d\", &%s);\n", v)
		case 4:
			fmt.Fprintf(&b, "  %s = %s(%s, %d) %s %s;\n", v, []string{"max", "min", "gcd", "pow"}[r.IntN(4)], v, r.IntN(50), ops[r.IntN(len(ops))], v)
		default:
			fmt.Fprintf(&b, "  while (%s-- > 0) printf(\"%%d\\n\", %s);\n", v, v)
		}
	}
	b.WriteString("  return 0;\n}\n")
	return b.String()
}

// BenchmarkCompare500 fingerprints 500 submissions of about 150 lines (every tenth a renamed
// copy of another) and compares every pair: `judgectl grade --similarity` on a class of 500.
func BenchmarkCompare500(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	srcs := make([]string, 500)
	for i := range srcs {
		if i%10 == 9 {
			srcs[i] = strings.ReplaceAll(srcs[i-1], "v1", "count")
			continue
		}
		srcs[i] = program(r, 150)
	}
	b.ResetTimer()
	for range b.N {
		docs := make([]*Document, len(srcs))
		for i, s := range srcs {
			docs[i] = NewDocument(fmt.Sprint(i), "c", s, Options{})
		}
		pairs := Compare(docs, Options{}, 0.5)
		if len(pairs) < 50 {
			b.Fatalf("found %d pairs, want the 50 copies", len(pairs))
		}
	}
}
