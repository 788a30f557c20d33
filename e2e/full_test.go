package e2e

import (
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/lang"
)

// fullPrograms use the images beyond base (jvm, native, scripting); with programs they cover
// nine languages.
var fullPrograms = []program{
	{"java", "public class Main { public static void main(String[] a) { java.util.Scanner s = new java.util.Scanner(System.in); System.out.println(2 * s.nextInt()); } }", "AC", nil},
	{"go", "package main\n\nimport \"fmt\"\n\nfunc main() { var x int; fmt.Scan(&x); fmt.Println(2 * x) }", "AC", nil},
	{"go", "package main\n\nfunc main() { x }", "CE", nil},
	{"rust", "use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); let x: i64 = s.trim().parse().unwrap(); println!(\"{}\", 2 * x); }", "AC", nil},
	{"javascript", "const x = parseInt(require('fs').readFileSync(0, 'utf8')); console.log(2 * x);", "AC", nil},
	{"javascript", "process.exit(5);", "RE", nil},
	{"ruby", "puts gets.to_i * 2", "AC", nil},
	{"ruby", "puts 41", "WA", nil},
	{"php", "<?php $x = (int)trim(fgets(STDIN)); echo 2 * $x, \"\\n\";", "AC", nil},
}

// TestEndToEndAllLanguages runs the workload over languages of several images. It needs those
// images, which `make test` builds; 300 submissions by default (E2E_N overrides).
func TestEndToEndAllLanguages(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	langs, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range fullPrograms {
		l, ok := langs.Get(p.lang)
		if !ok {
			t.Fatalf("no language %s", p.lang)
		}
		testenv.Image(t, l.Image) // skips without the image; fails instead under JUDGE_REQUIRE_STACK=1 (make test)
	}
	c := newCluster(t)
	c.startAPI("api1")
	c.startAPI("api2")
	c.startRelay("relay1")
	c.startWorker("worker1", 2)
	c.startWorker("worker2", 2)
	all := append(append([]program(nil), programs...), fullPrograms...)
	jobs := workloadOf(all, workloadSize(300))
	ids := send(t, c, jobs, 0, nil)
	check(t, c, jobs, ids, 10*time.Minute)
}
