package judgectlcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// gradingFile is the grading scheme grade reads from DIR when --scheme is not given.
const gradingFile = "grading.yaml"

// Scheme is a grading scheme: how verdicts become points, and what lateness costs.
//
//	points:               # per test group (all its tests must pass) or per test
//	  sample: 0
//	  secret/easy: 40
//	  secret/hard/07: 5
//	deadline: 2026-12-01T23:59:00Z
//	late: {per_day: 10, max: 50}   # percent off per started day, capped
//	deadlines: {alice: 2026-12-03T23:59:00Z}   # per-student extensions
type Scheme struct {
	Points    map[string]float64   `yaml:"points"`
	Deadline  *time.Time           `yaml:"deadline"`
	Late      LatePolicy           `yaml:"late"`
	Deadlines map[string]time.Time `yaml:"deadlines"`
}

// LatePolicy is the penalty for a submission after its deadline, in percent of the points.
type LatePolicy struct {
	PerDay float64 `yaml:"per_day"`
	Max    float64 `yaml:"max"`
}

func loadScheme(path string) (*Scheme, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read grading scheme: %w", err)
	}
	var s Scheme
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("grading scheme %s: %w (see docs/classroom.md for the format)", path, err)
	}
	if len(s.Points) == 0 {
		return nil, fmt.Errorf("grading scheme %s gives no points: add `points:` with a test group or test name and its points", path)
	}
	for k, v := range s.Points {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("grading scheme %s: points for %q must be a non-negative number, got %v", path, k, v)
		}
	}
	if s.Late.PerDay < 0 || s.Late.Max < 0 || s.Late.Max > 100 {
		return nil, fmt.Errorf("grading scheme %s: late.per_day must be >= 0 and late.max between 0 and 100 (percent)", path)
	}
	if s.Late.Max == 0 {
		s.Late.Max = 100
	}
	return &s, nil
}

// TestVerdict is what grading keeps of one test: enough to score it under any scheme.
type TestVerdict struct {
	Name    string `json:"name"`
	Group   string `json:"group,omitempty"`
	Verdict string `json:"verdict"`
}

func testVerdicts(tests []apiv1.TestResult) []TestVerdict {
	out := make([]TestVerdict, 0, len(tests))
	for _, t := range tests {
		out = append(out, TestVerdict{Name: t.Name, Group: t.Group, Verdict: t.Verdict})
	}
	return out
}

// Grade is a student's score under a scheme.
type Grade struct {
	Points    float64        `json:"points"`
	MaxPoints float64        `json:"max_points"`
	Groups    []GroupVerdict `json:"groups"`
	// SubmittedAt is the last commit touching the student's entry (when known).
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	Deadline    *time.Time `json:"deadline,omitempty"`
	LateDays    int        `json:"late_days"`
	PenaltyPct  float64    `json:"penalty_pct"`
	Final       float64    `json:"final"`
}

// GroupVerdict is one key of the scheme's points: its verdict and the points it earned.
type GroupVerdict struct {
	Key     string  `json:"key"`
	Verdict string  `json:"verdict"`
	Points  float64 `json:"points"`
	Max     float64 `json:"max"`
}

// keyOf is the scheme key a test counts for: the longest key equal to the test's name, its
// group, or a path prefix of either. "" when no key matches (the test earns nothing).
func (s *Scheme) keyOf(t TestVerdict) string {
	best := ""
	for k := range s.Points {
		if (t.Name == k || t.Group == k || strings.HasPrefix(t.Name, k+"/") || strings.HasPrefix(t.Group, k+"/")) && len(k) > len(best) {
			best = k
		}
	}
	return best
}

// grade scores tests: a key earns its points when every test counted for it is accepted (a key
// no test matched earns nothing, so a misspelt key shows as lost points, not as a free grade).
func (s *Scheme) grade(student, verdict string, tests []TestVerdict, submitted *time.Time) Grade {
	byKey := map[string][]TestVerdict{}
	for _, t := range tests {
		if k := s.keyOf(t); k != "" {
			byKey[k] = append(byKey[k], t)
		}
	}
	var g Grade
	for _, k := range s.groupKeys() {
		max := s.Points[k]
		gv := GroupVerdict{Key: k, Max: max, Verdict: apiv1.VerdictAC}
		if len(byKey[k]) == 0 {
			gv.Verdict = "-"
			if verdict == apiv1.VerdictCE {
				gv.Verdict = apiv1.VerdictCE
			}
		}
		for _, t := range byKey[k] {
			if t.Verdict != apiv1.VerdictAC {
				gv.Verdict = t.Verdict
				break
			}
		}
		if gv.Verdict == apiv1.VerdictAC {
			gv.Points = max
		}
		g.MaxPoints += max
		g.Points += gv.Points
		g.Groups = append(g.Groups, gv)
	}
	g.Deadline = s.Deadline
	if d, ok := s.Deadlines[student]; ok {
		g.Deadline = &d
	}
	g.SubmittedAt = submitted
	if g.Deadline != nil && submitted != nil && submitted.After(*g.Deadline) {
		g.LateDays = int(math.Ceil(submitted.Sub(*g.Deadline).Hours() / 24))
		g.PenaltyPct = min(float64(g.LateDays)*s.Late.PerDay, s.Late.Max)
	}
	g.Final = math.Round(g.Points*(100-g.PenaltyPct)) / 100
	return g
}

// submittedFile, in a student's folder, holds the submission time (RFC 3339) when the work does
// not come from git (an LMS export, say); it wins over the commit time.
const submittedFile = ".submitted-at"

// submittedAt is when the student's entry was handed in: the time in its submittedFile, else the
// last commit touching it.
func submittedAt(ctx context.Context, path string) (time.Time, bool, error) {
	data, err := os.ReadFile(filepath.Join(path, submittedFile))
	if err == nil {
		t, perr := time.Parse(time.RFC3339, strings.TrimSpace(string(data)))
		if perr != nil {
			return time.Time{}, false, fmt.Errorf("%s: want an RFC 3339 time such as 2026-12-01T23:59:00Z: %w", filepath.Join(path, submittedFile), perr)
		}
		return t.UTC(), true, nil
	}
	return commitTime(ctx, path)
}

// commitTime is the time of the last commit touching path (a student's file or folder, or a
// student's repository checked out there), from git. ok is false outside a git work tree or
// for a path never committed: grade then applies no late penalty and says so.
func commitTime(ctx context.Context, path string) (t time.Time, ok bool, err error) {
	dir, target := path, "."
	if st, serr := os.Stat(path); serr == nil && !st.IsDir() {
		dir, target = filepath.Dir(path), filepath.Base(path)
	}
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "log", "-1", "--format=%cI", "--", target)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && strings.Contains(stderr.String(), "not a git repository") {
			return time.Time{}, false, nil
		}
		if errors.Is(err, exec.ErrNotFound) {
			return time.Time{}, false, fmt.Errorf("a deadline needs git to read commit times: install git")
		}
		return time.Time{}, false, fmt.Errorf("git log %s: %w: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	s := strings.TrimSpace(string(out))
	if s == "" {
		return time.Time{}, false, nil
	}
	t, err = time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("git log %s: commit time %q: %w", path, s, err)
	}
	return t.UTC(), true, nil
}

// groupKeys lists the scheme's keys in the order grade reports them.
func (s *Scheme) groupKeys() []string {
	keys := make([]string, 0, len(s.Points))
	for k := range s.Points {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
