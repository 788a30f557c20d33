package judgectlcmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// seed submits sources through the fake and returns their IDs.
func seed(t *testing.T, api *fakeAPI, sources ...string) []string {
	t.Helper()
	f, _, _ := newTestFactory(t, api.env())
	dir := t.TempDir()
	var ids []string
	for _, src := range sources {
		r := judgectl(t, f, "submit", writeFile(t, dir, "x.py", src), "-p", "hello", "-o", "json")
		var acc apiv1.SubmissionAccepted
		if r.code != 0 || json.Unmarshal([]byte(r.out), &acc) != nil {
			t.Fatalf("seed submit: %d %s %s", r.code, r.out, r.errOut)
		}
		ids = append(ids, acc.ID)
	}
	return ids
}

func TestStatusAndTail(t *testing.T) {
	api := newFakeAPI(t)
	ids := seed(t, api, "AC", "WA", "CE")
	tests := []struct {
		args   []string
		code   int
		outHas []string
	}{
		{[]string{"status", ids[0]}, ExitOK, []string{"Verdict     AC (accepted)", "secret/02"}},
		{[]string{"status", ids[1]}, ExitRejected, []string{"WA (wrong answer)"}},
		{[]string{"status", ids[2]}, ExitCompile, []string{"Compiler output:", "expected ';'"}},
		{[]string{"status", ids[1], "-o", "json"}, ExitRejected, []string{`"verdict": "WA"`}},
		{[]string{"tail", ids[0]}, ExitOK, []string{"running", "secret/01", "AC (accepted)"}},
		{[]string{"tail", ids[1], "-o", "yaml"}, ExitRejected, []string{"verdict: WA"}},
		{[]string{"tail", ids[2]}, ExitCompile, []string{"CE (compile error)"}},
	}
	for _, tt := range tests {
		f, _, _ := newTestFactory(t, api.env())
		r := judgectl(t, f, tt.args...)
		if r.code != tt.code {
			t.Errorf("judgectl %v = %d, want %d\n%s%s", tt.args, r.code, tt.code, r.out, r.errOut)
		}
		for _, s := range tt.outHas {
			if !strings.Contains(r.out, s) {
				t.Errorf("judgectl %v stdout lacks %q:\n%s", tt.args, s, r.out)
			}
		}
	}
}

func TestTailResumesEveryEventOnce(t *testing.T) {
	api := newFakeAPI(t)
	id := seed(t, api, "WA")[0]
	api.dropAfter = 3 // status, test 1, test 2, then the connection drops
	f, _, _ := newTestFactory(t, api.env())
	r := judgectl(t, f, "tail", id)
	if r.code != ExitRejected {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	for _, s := range []string{"secret/01", "secret/02", "secret/03", "running"} {
		if n := strings.Count(r.out, s); n != 1 {
			t.Errorf("%q printed %d times, want 1:\n%s", s, n, r.out)
		}
	}
	if got := strings.Join(api.lastIDs, ","); got != ",3" {
		t.Errorf("Last-Event-ID per connection = %q, want \",3\"", got)
	}
}

func TestStatusNotFound(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	id := fakeID(99)
	r := judgectl(t, f, "status", id)
	if r.code != ExitFailure || !strings.Contains(r.errOut, "404") || !strings.Contains(r.errOut, "no submission "+id) {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
}
