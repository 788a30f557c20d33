package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/apiv1"
)

func src(path, content string) apiv1.SourceFile {
	return apiv1.SourceFile{Path: path, Content: &content}
}

// TestEndToEndMultiFile sends multi-file submissions through the whole pipeline (API, relay,
// Kafka, worker, sandbox): C with a header and a second unit, Java with two classes and an
// entry, Python with a package, and one whose helper does not compile (CE). Bad paths and a
// missing entry are refused by the API with a 4xx and store nothing.
func TestEndToEndMultiFile(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	testenv.Image(t, "jvm")
	c := newCluster(t)
	c.startAPI("api1")
	c.startRelay("relay1")
	c.startWorker("worker1", 2)

	in, want := "20 22\n", "42\n"
	adhoc := func(lang, entry string, files ...apiv1.SourceFile) apiv1.SubmissionRequest {
		return apiv1.SubmissionRequest{Language: lang, Entry: entry, Files: files, Stdin: &in, ExpectedOutput: &want}
	}
	jobs := []job{
		{want: "AC", req: adhoc("c", "",
			src("main.c", "#include <stdio.h>\n#include \"lib/add.h\"\nint main(void){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",add(a,b));}\n"),
			src("lib/add.h", "int add(int a, int b);\n"),
			src("lib/add.c", "#include \"add.h\"\nint add(int a, int b){return a+b;}\n"))},
		{want: "AC", req: adhoc("java", "Solution.java",
			src("Solution.java", "import java.util.*;\npublic class Solution { public static void main(String[] x) { Scanner s = new Scanner(System.in); System.out.println(Adder.add(s.nextInt(), s.nextInt())); } }\n"),
			src("Adder.java", "public class Adder { static int add(int a, int b) { return a + b; } }\n"))},
		{want: "AC", req: adhoc("python3", "app.py",
			src("app.py", "from calc.ops import add\nprint(add(*map(int, input().split())))\n"),
			src("calc/__init__.py", ""),
			src("calc/ops.py", "def add(a, b):\n    return a + b\n"))},
		{want: "CE", req: adhoc("c", "",
			src("main.c", "#include \"add.h\"\nint main(void){return add(1,2);}\n"),
			src("add.h", "int add(int a, int b);\n"),
			src("add.c", "int add(int a, int b) { return a + b }\n"))},
	}
	for i := range jobs {
		jobs[i].key = fmt.Sprintf("multifile-%d", i)
	}
	ids := send(t, c, jobs, 0, nil)

	// Refused before anything is stored: each a 4xx naming the file or the entry.
	for _, bad := range []struct {
		name string
		req  apiv1.SubmissionRequest
		want string
	}{
		{"dotdot", adhoc("c", "", src("main.c", "int main(){}"), src("../x.h", "")), "files[1].path"},
		{"absolute", adhoc("c", "", src("/main.c", "int main(){}")), "absolute"},
		{"duplicate", adhoc("c", "", src("main.c", "int main(){}"), src("main.c", "")), "twice"},
		{"missing entry", adhoc("python3", "main.py", src("app.py", "print(1)")), `entry \"main.py\" is not one of`},
	} {
		_, err := c.submit(bad.req, "bad-"+strings.ReplaceAll(bad.name, " ", "-"))
		if err == nil || !strings.Contains(err.Error(), "POST: 422") || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v, want a 422 naming %q", bad.name, err, bad.want)
		}
	}
	check(t, c, jobs, ids, 5*time.Minute)
	var ce string
	if err := c.database().QueryRow(`SELECT compile_output FROM submissions WHERE id = $1`, ids[3]).Scan(&ce); err != nil || !strings.Contains(ce, "add.c") {
		t.Errorf("the compile error does not name the helper file add.c: %v\n%s", err, ce)
	}
}
