package e2e

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/apiv1"
)

// job is one submission of the workload with the verdict it must end with.
type job struct {
	key  string
	req  apiv1.SubmissionRequest
	want string
	// dup POSTs the same request twice with the same Idempotency-Key.
	dup bool
}

type program struct {
	lang, source, want string
	// limits, when set, override the defaults (a short CPU limit for TLE, a small memory or
	// output limit for MLE and OLE).
	limits *apiv1.Limits
}

// programs cover the languages of the "base" image and every verdict an ad-hoc run can get.
// Input is "21", the expected output "42".
var programs = []program{
	{"python3", "print(int(input())*2)", "AC", nil},
	{"python3", "print(int(input())*3)", "WA", nil},
	{"python3", "import sys\nsys.exit(3)", "RE", nil},
	{"python3", "while True:\n    pass", "TLE", &apiv1.Limits{TimeMS: 300}},
	{"python3", "x = bytearray(512 << 20)\nprint(len(x))", "MLE", &apiv1.Limits{MemoryKB: 64 << 10}},
	{"python3", "while True:\n    print('y' * 1000)", "OLE", &apiv1.Limits{OutputKB: 64}},
	{"c", "#include <stdio.h>\nint main(void){int x;scanf(\"%d\",&x);printf(\"%d\\n\",2*x);return 0;}", "AC", nil},
	{"c", "#include <stdio.h>\nint main(void){puts(\"41\");return 0;}", "WA", nil},
	{"c", "int main(void){return 4;}", "RE", nil},
	{"c", "int main(void){ this is not C }", "CE", nil},
	{"cpp", "#include <iostream>\nint main(){int x;std::cin>>x;std::cout<<2*x<<\"\\n\";}", "AC", nil},
	{"cpp", "int main(){ return }", "CE", nil},
}

// workloadSize is E2E_N (default def): how many distinct submissions a test sends. The default
// keeps `make test` within minutes on a 2-core machine.
func workloadSize(def int) int {
	if n, err := strconv.Atoi(os.Getenv("E2E_N")); err == nil && n > 0 {
		return n
	}
	return def
}

func workload(n int) []job { return workloadOf(programs, n) }

// workloadOf cycles through progs for n jobs; every seventh is POSTed twice.
func workloadOf(progs []program, n int) []job {
	in, want := "21\n", "42\n"
	jobs := make([]job, n)
	for i := range jobs {
		p := progs[i%len(progs)]
		req := apiv1.SubmissionRequest{Language: p.lang, Source: p.source, Stdin: &in, ExpectedOutput: &want}
		req.Limits = p.limits
		jobs[i] = job{key: fmt.Sprintf("e2e-%d-%d", time.Now().UnixNano(), i), req: req, want: p.want, dup: i%7 == 3}
	}
	return jobs
}

// deployment is a judge under test: the process cluster of this package or a compose project.
type deployment interface {
	// submit POSTs req with an Idempotency-Key, retrying while the deployment is unavailable.
	submit(req apiv1.SubmissionRequest, key string) (string, error)
	// database is the deployment's PostgreSQL, read to check results.
	database() *sql.DB
}

// send submits jobs at about rate per second (0 = as fast as 4 clients can) and returns the
// ids by job index; a duplicated POST must return the same id.
func send(t *testing.T, c deployment, jobs []job, rate float64, progress func(i int)) []string {
	t.Helper()
	ids := make([]string, len(jobs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	start := time.Now()
	for i, j := range jobs {
		if rate > 0 {
			if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
				time.Sleep(d)
			}
		}
		posts := 1
		if j.dup {
			posts = 2
		}
		for range posts {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				id, err := c.submit(j.req, j.key)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					t.Errorf("job %d: %v", i, err)
				case ids[i] != "" && ids[i] != id:
					t.Errorf("job %d: duplicated POST with one Idempotency-Key got two ids %s and %s", i, ids[i], id)
				default:
					ids[i] = id
				}
			}()
		}
		if progress != nil {
			progress(i)
		}
	}
	wg.Wait()
	return ids
}

// check waits until every submission is done and asserts the contract: the expected verdict,
// exactly one final result (one done event, results of one attempt only), and one stored
// submission per idempotency key.
func check(t *testing.T, c deployment, jobs []job, ids []string, timeout time.Duration) {
	t.Helper()
	db := c.database()
	list := "{" + strings.Join(ids, ",") + "}"
	testenv.WaitFor(t, fmt.Sprintf("%d submissions done", len(ids)), timeout, func() bool {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM submissions WHERE id = ANY($1::uuid[]) AND status = 'done'`, list).Scan(&n); err != nil {
			t.Logf("count done: %v", err)
			return false
		}
		return n == len(ids)
	})
	var stored int
	if err := db.QueryRow(`SELECT count(*) FROM submissions`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != len(jobs) {
		t.Errorf("%d submissions stored for %d idempotency keys", stored, len(jobs))
	}
	for i, id := range ids {
		var verdict, message string
		var dones, results, attempt int
		err := db.QueryRow(`SELECT verdict, coalesce(message, ''), attempt,
				(SELECT count(*) FROM submission_events e WHERE e.submission_id = s.id AND e.type = 'done'),
				(SELECT count(*) FROM results r WHERE r.submission_id = s.id)
			FROM submissions s WHERE id = $1`, id).Scan(&verdict, &message, &attempt, &dones, &results)
		if err != nil {
			t.Fatalf("read %s: %v", id, err)
		}
		wantResults := 1
		if jobs[i].want == "CE" {
			wantResults = 0
		}
		if verdict != jobs[i].want || dones != 1 || results != wantResults {
			t.Errorf("job %d (%s %s): verdict %s (want %s), %d done events (want 1), %d results (want %d), attempt %d, message %q",
				i, jobs[i].req.Language, id, verdict, jobs[i].want, dones, results, wantResults, attempt, message)
		}
	}
}

func TestEndToEnd(t *testing.T) {
	c := newCluster(t)
	c.startAPI("api1")
	c.startAPI("api2")
	c.startRelay("relay1")
	c.startRelay("relay2")
	c.startWorker("worker1", 2)
	c.startWorker("worker2", 2)
	jobs := workload(workloadSize(60))
	ids := send(t, c, jobs, 0, nil)
	check(t, c, jobs, ids, 5*time.Minute)
}
