package judgectlcmd

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSchemeGrade(t *testing.T) {
	deadline := time.Date(2026, 12, 1, 23, 59, 0, 0, time.UTC)
	ext := deadline.Add(72 * time.Hour)
	s := &Scheme{
		Points:    map[string]float64{"sample": 0, "secret/easy": 40, "secret/hard": 50, "secret/hard/07": 10, "bonus": 5},
		Deadline:  &deadline,
		Late:      LatePolicy{PerDay: 10, Max: 25},
		Deadlines: map[string]time.Time{"ext": ext},
	}
	tests := []TestVerdict{
		{Name: "sample/1", Group: "sample", Verdict: "WA"},
		{Name: "secret/easy/01", Group: "secret/easy", Verdict: "AC"},
		{Name: "secret/easy/02", Group: "secret/easy", Verdict: "AC"},
		{Name: "secret/hard/06", Group: "secret/hard", Verdict: "AC"},
		{Name: "secret/hard/07", Group: "secret/hard", Verdict: "TLE"},
	}
	at := func(d time.Duration) *time.Time { t := deadline.Add(d); return &t }
	for _, tt := range []struct {
		name, student string
		submitted     *time.Time
		late          int
		pct, final    float64
	}{
		{"on time", "a", at(-time.Hour), 0, 0, 90},
		{"no commit time", "a", nil, 0, 0, 90},
		{"one minute late is a day", "a", at(time.Minute), 1, 10, 81},
		{"capped", "a", at(10 * 24 * time.Hour), 10, 25, 67.5},
		{"extension", "ext", at(48 * time.Hour), 0, 0, 90},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := s.grade(tt.student, "TLE", tests, tt.submitted)
			// secret/hard/07 is its own key (longest match): hard keeps 06 only, so it earns 50.
			if g.Points != 90 || g.MaxPoints != 105 {
				t.Fatalf("points %v / %v, want 90 / 105: %+v", g.Points, g.MaxPoints, g.Groups)
			}
			if g.LateDays != tt.late || g.PenaltyPct != tt.pct || g.Final != tt.final {
				t.Errorf("late %d pct %v final %v, want %d %v %v", g.LateDays, g.PenaltyPct, g.Final, tt.late, tt.pct, tt.final)
			}
			want := map[string]string{"bonus": "-", "sample": "WA", "secret/easy": "AC", "secret/hard": "AC", "secret/hard/07": "TLE"}
			for _, gv := range g.Groups {
				if want[gv.Key] != gv.Verdict {
					t.Errorf("group %s verdict %s, want %s", gv.Key, gv.Verdict, want[gv.Key])
				}
			}
		})
	}
}

func TestLoadSchemeRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ yaml, err string }{
		{"points: {}\n", "gives no points"},
		{"points: {a: -1}\n", "non-negative"},
		{"points: {a: 1}\nlate: {max: 150}\n", "between 0 and 100"},
		{"points: {a: 1}\ndeadlin: 2026-01-01T00:00:00Z\n", "field deadlin not found"},
		{"points: {a: 1}\ndeadline: tomorrow\n", "grading scheme"},
	} {
		p := writeFile(t, dir, "g.yaml", tt.yaml)
		if _, err := loadScheme(p); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%q: err %v, want %q", tt.yaml, err, tt.err)
		}
	}
}

// git runs git in dir with a fixed commit time.
func git(t *testing.T, dir, when string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+when, "GIT_COMMITTER_DATE="+when,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestGradeWithSchemeAndCommitTimes(t *testing.T) {
	api := newFakeAPI(t)
	dir := t.TempDir()
	writeFile(t, dir, "alice/sol.py", "AC")
	writeFile(t, dir, "bob/sol.py", "WA")
	writeFile(t, dir, "carol/sol.py", "AC")
	writeFile(t, dir, "carol/.submitted-at", "2026-12-10T00:00:00Z\n")
	writeFile(t, dir, gradingFile, "points: {secret/01: 20, secret/02: 30, secret/03: 50}\ndeadline: 2026-12-01T23:59:00Z\nlate: {per_day: 20}\n")
	git(t, dir, "2026-11-30T10:00:00Z", "init", "-q")
	git(t, dir, "2026-11-30T10:00:00Z", "add", "alice", "carol", gradingFile)
	git(t, dir, "2026-11-30T10:00:00Z", "commit", "-qm", "alice on time")
	git(t, dir, "2026-12-03T10:00:00Z", "add", "bob")
	git(t, dir, "2026-12-03T10:00:00Z", "commit", "-qm", "bob two days late")

	f, _, _ := newTestFactory(t, api.env())
	r := judgectl(t, f, "grade", dir, "-p", "hello", "-o", "csv")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("csv (%v):\n%s", err, r.out)
	}
	if got := strings.Join(recs[0][7:], ","); got != "points,max_points,late_days,penalty_pct,final,secret/01,secret/02,secret/03" {
		t.Errorf("header tail = %s", got)
	}
	for i, want := range []string{
		"alice,100,100,0,0,100,AC,AC,AC",
		"bob,50,100,2,40,30,AC,AC,WA", // 01 and 02 pass, 03 is WA; two days late
		"carol,100,100,9,100,0,AC,AC,AC",
	} {
		if got := recs[i+1][0] + "," + strings.Join(recs[i+1][7:], ","); got != want {
			t.Errorf("row %d = %s, want %s", i+1, got, want)
		}
	}

	// The grade book links every submission and shows the groups' verdicts.
	r = judgectl(t, f, "grade", dir, "-p", "hello", "-o", "markdown")
	for _, want := range []string{"# Grade book: hello", "| Student | Verdict | Final | Points | Late | secret/01 |",
		"| bob | ❌ WA | 30 | 50 / 100 | 2 d, -40% | AC | AC | WA |", "(" + api.srv.URL + "/v1/submissions/"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("grade book lacks %q:\n%s", want, r.out)
		}
	}
	// JSON carries the grade; cached entries (second run) keep their test verdicts.
	r = judgectl(t, f, "grade", dir, "-p", "hello", "-o", "json")
	var entries []GradeEntry
	if err := json.Unmarshal([]byte(r.out), &entries); err != nil {
		t.Fatal(err)
	}
	if !entries[1].Cached || entries[1].Grade == nil || entries[1].Grade.Final != 30 || entries[1].Grade.SubmittedAt == nil {
		t.Errorf("bob = %+v", entries[1])
	}
	if api.posts != 3 {
		t.Errorf("posts %d, want 3 (grading.yaml is not a student)", api.posts)
	}
}

func TestCommitTimeOutsideGit(t *testing.T) {
	dir := t.TempDir()
	_, ok, err := commitTime(context.Background(), filepath.Join(dir))
	if err != nil || ok {
		t.Errorf("outside git: ok %v err %v, want no time and no error", ok, err)
	}
}
