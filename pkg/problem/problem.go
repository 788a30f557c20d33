// Package problem owns problem packages in the Kattis / ICPC format (legacy and 2023-07):
// loading them from a directory or an archive into one validated Problem, reporting every defect
// of a broken package at once, and packing a directory into a deterministic archive. It is a
// leaf: it knows nothing of how programs are compiled or run.
package problem

import (
	"time"

	"github.com/judge-dev/judge/pkg/judge/verdict"
)

// Format versions.
const (
	FormatLegacy = "legacy"
	Format202307 = "2023-07"
)

// Type of a problem.
type Type string

const (
	PassFail Type = "pass-fail"
	Scoring  Type = "scoring"
)

// Problem is a loaded, validated package.
type Problem struct {
	// Name is the problem's display name (the English one when several are given).
	Name string
	// Format is FormatLegacy or Format202307.
	Format string
	Type   Type
	// Interactive problems connect the output validator and the submission by pipes.
	Interactive bool
	// ValidatorScores (legacy `validation: custom score`): an accepted test scores what the
	// validator writes to score.txt, so the maximum score is unknown.
	ValidatorScores bool
	// ValidatorFlags are passed to the output validator on every test (legacy validator_flags);
	// test groups add their own (Group.Settings.ValidatorFlags).
	ValidatorFlags []string
	Limits         Limits
	// Data is the root test group ("data"): its items are the sample and secret groups.
	Data *Group
	// OutputValidator is the custom output validator; nil means the default validator.
	OutputValidator *Program
	// MoreOutputValidators are a legacy package's other output validators: every one must
	// accept (problemtools runs them all, in name order).
	MoreOutputValidators []Program
	// InputValidators check test inputs; they are loaded for completeness, not run by the judge.
	InputValidators []Program
	// Submissions are the example submissions of submissions/<verdict>/, in path order.
	Submissions []Submission
	// Include are the files of include/<language>/ by language id ("cpp"; "default" for
	// include/default/, 2023-07), added to every submission in that language (IncludeFor).
	Include map[string]map[string][]byte
	// Passes is the most runs of a multi-pass problem (2023-07 type multi-pass; limits
	// validation_passes, default 2); 0 for every other problem.
	Passes int
	// Warnings are what the package has that the judge skips (a submissions folder it does not
	// check, say): reported, not refused.
	Warnings []Issue
}

// Limits are the problem's limits. Zero means "the judge's default".
type Limits struct {
	// TimeLimit is fixed by problem.yaml (2023-07 limits.time_limit); zero means it is computed
	// from the accepted submissions by ComputeTimeLimit when the problem is verified (`judgectl
	// problem verify`), and by the server when the package is pushed (its calibration, judged
	// through the normal pipeline: docs/problems.md).
	TimeLimit time.Duration
	// TimeMultiplier is slowest accepted × multiplier = time limit (legacy time_multiplier,
	// 2023-07 ac_to_time_limit).
	TimeMultiplier float64
	// SafetyMargin: time-limit-exceeded submissions must still fail at limit × margin (legacy
	// time_safety_margin, 2023-07 time_limit_to_tle).
	SafetyMargin float64
	// TimeResolution is what a computed limit is rounded up to.
	TimeResolution time.Duration
	MemoryBytes    int64
	OutputBytes    int64
	// ValidationTime and ValidationMemoryBytes limit the custom output validator's run.
	ValidationTime        time.Duration
	ValidationMemoryBytes int64
	CompilationTime       time.Duration
}

// ProbeTimeLimit is the CPU limit the accepted submissions run under while a time limit is
// being computed from them: `judgectl problem verify` and the server's calibration of a pushed
// package both use it (the server caps it at its largest allowed limit).
const ProbeTimeLimit = 10 * time.Second

// ComputeTimeLimit is the Kattis rule, and the one implementation of it: slowest accepted CPU
// time × TimeMultiplier, rounded up to TimeResolution (at least one resolution step). A fixed
// TimeLimit wins.
func (l Limits) ComputeTimeLimit(slowestAC time.Duration) time.Duration {
	if l.TimeLimit > 0 {
		return l.TimeLimit
	}
	res := l.TimeResolution
	if res <= 0 {
		res = time.Second
	}
	exact := time.Duration(float64(slowestAC) * l.TimeMultiplier)
	steps := (exact + res - 1) / res
	if steps < 1 {
		steps = 1
	}
	return steps * res
}

// Program is a validator: its files keyed by path relative to the program's directory.
type Program struct {
	// Name is the file or directory name inside the package.
	Name  string
	Files map[string][]byte
}

// Group is a test data group: a directory under data/.
type Group struct {
	// Name is the path relative to data/ ("sample", "secret/group1"); "" for the root.
	Name     string
	Settings Settings
	// Items are the group's test cases and subgroups in lexicographic order of base name.
	Items []Item
}

// Item is one entry of a group: exactly one of Test and Group is set.
type Item struct {
	Test  *Test
	Group *Group
}

// Test is one test case.
type Test struct {
	// Name is the path relative to data/ without extension ("secret/group1/03-big").
	Name   string
	Input  []byte
	Answer []byte
	// InputFile and AnswerFile are set instead of Input and Answer for test data that
	// LoadArchiveFile spilled to disk: the files live in Caps.SpillDir, owned by the caller.
	InputFile  string
	AnswerFile string
	// Sample is set for tests under data/sample; all others are hidden from contestants.
	Sample bool
}

// Settings are a group's grading settings (testdata.yaml), inherited from the closest ancestor
// that has a testdata.yaml, as the legacy specification says. 2023-07 settings are mapped onto
// the same model (see docs/problems.md).
type Settings struct {
	// OnReject is "break" (stop the group at the first rejected item) or "continue".
	OnReject string
	// VerdictMode is worst_error, first_error or always_accept.
	VerdictMode string
	// ScoreMode is sum, avg, min or max.
	ScoreMode string
	// IgnoreSample (root only) grades by the secret group alone.
	IgnoreSample bool
	// AcceptIfAnyAccepted accepts the group when any item is accepted.
	AcceptIfAnyAccepted bool
	// AcceptScore and RejectScore are a test case's score when accepted or rejected.
	AcceptScore float64
	RejectScore float64
	// Score (2023-07 scoring.score) is the group's maximum score: the aggregate of its items is
	// scaled to it. Zero means unscaled. Never inherited.
	Score float64
	// ValidatorFlags are added to the output validator's arguments for the group's tests.
	ValidatorFlags []string
}

// DefaultSettings are the legacy defaults of an implicit root testdata.yaml.
func DefaultSettings() Settings {
	return Settings{OnReject: "break", VerdictMode: "worst_error", ScoreMode: "sum", AcceptScore: 1}
}

// Submission is an example submission of submissions/<dir>/.
type Submission struct {
	// Path is relative to submissions/ ("accepted/sol.py" or "accepted/multi").
	Path string
	// Dir is the verdict folder ("accepted").
	Dir string
	// Files are the submission's files keyed by path relative to the entry (one entry, keyed by
	// its base name, for a single-file submission).
	Files map[string][]byte
	// Expected are the acceptable final verdicts, from the folder or from an
	// @EXPECTED_RESULTS@ comment; empty when only Rules say what is expected.
	Expected []verdict.Verdict
	// Rules are 2023-07 expectations on the tests' verdicts (the folder's defaults and
	// submissions/expectations.yaml); when present they decide, not Expected (see Check).
	Rules []Rule
}

// IncludeFor returns files with the package's included files for language added, as the
// format says: include/<language>/ (else, in 2023-07, include/default/) overwrites files of the
// same name. files itself is not modified.
func (p *Problem) IncludeFor(language string, files map[string][]byte) map[string][]byte {
	inc, ok := p.Include[language]
	if !ok {
		inc = p.Include["default"]
	}
	if len(inc) == 0 {
		return files
	}
	out := make(map[string][]byte, len(files)+len(inc))
	for n, b := range files {
		out[n] = b
	}
	for n, b := range inc {
		out[n] = b
	}
	return out
}

// Tests returns every test case in judging order.
func (p *Problem) Tests() []*Test {
	var out []*Test
	var walk func(g *Group)
	walk = func(g *Group) {
		for _, it := range g.Items {
			if it.Test != nil {
				out = append(out, it.Test)
			} else {
				walk(it.Group)
			}
		}
	}
	if p.Data != nil {
		walk(p.Data)
	}
	return out
}
