package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/image"
)

// fullPrograms use the "full" image; with programs they cover nine languages.
var fullPrograms = []program{
	{"java", "public class Main { public static void main(String[] a) { java.util.Scanner s = new java.util.Scanner(System.in); System.out.println(2 * s.nextInt()); } }", "AC", 0},
	{"go", "package main\n\nimport \"fmt\"\n\nfunc main() { var x int; fmt.Scan(&x); fmt.Println(2 * x) }", "AC", 0},
	{"go", "package main\n\nfunc main() { x }", "CE", 0},
	{"rust", "use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); let x: i64 = s.trim().parse().unwrap(); println!(\"{}\", 2 * x); }", "AC", 0},
	{"javascript", "const x = parseInt(require('fs').readFileSync(0, 'utf8')); console.log(2 * x);", "AC", 0},
	{"javascript", "process.exit(5);", "RE", 0},
	{"ruby", "puts gets.to_i * 2", "AC", 0},
	{"ruby", "puts 41", "WA", 0},
	{"php", "<?php $x = (int)trim(fgets(STDIN)); echo 2 * $x, \"\\n\";", "AC", 0},
}

// TestEndToEndAllLanguages runs the workload over the base and full images' languages. It is
// skipped when the full image is not built (it takes long to build; `judged image build full`).
func TestEndToEndAllLanguages(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tag := image.Resolve("full")
	if ok, err := image.Exists(ctx, testenv.Docker(t), tag); err != nil || !ok {
		t.Skipf("runtime image %s not built (err %v): run `go run ./cmd/judged image build full`", tag, err)
	}
	c := newCluster(t)
	c.startAPI("api1")
	c.startAPI("api2")
	c.startRelay("relay1")
	c.startWorker("worker1", 2)
	c.startWorker("worker2", 2)
	all := append(append([]program(nil), programs...), fullPrograms...)
	jobs := workloadOf(all, workloadSize(60))
	ids := send(t, c, jobs, 0, nil)
	check(t, c, jobs, ids, 10*time.Minute)
}
