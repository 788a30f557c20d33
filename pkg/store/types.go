package store

import (
	"time"

	"github.com/judge-dev/judge/pkg/srcfiles"
)

// The store's own row and event types. They are not the HTTP wire types (pkg/apiv1): the API
// converts at its edge (pkg/api/convert.go), so a change of the API's JSON never changes what
// is stored. JSON tags here are the stored format (submissions.limits, submission_events.payload)
// and change only with a migration; they are the names rows written before the store had types
// of its own used, so those rows read unchanged (see TestOldShapeRowsRead).

// Status of a submission (submissions.status).
const (
	StatusQueued  = "queued"
	StatusRunning = "running"
	StatusDone    = "done"
)

// Types of a submission event (submission_events.type).
const (
	EventStatus = "status"
	EventTest   = "test"
	EventDone   = "done"
)

// Roles of API tokens (api_tokens.role).
const (
	RoleAdmin     = "admin"
	RoleSubmitter = "submitter"
	RoleViewer    = "viewer"
)

// Submission is a stored submission with its per-test results (hidden ones unredacted: what
// a caller may see is decided at the API edge).
type Submission struct {
	ID             string
	OwnerTokenID   int64
	Owner          string
	Problem        string
	ProblemVersion int
	Language       string
	Status         string
	// Verdict is "" until the submission is done.
	Verdict       string
	Score         *float64
	Limits        Limits
	Attempt       int
	CompileOutput string
	Message       string
	TimeMS        int
	MemoryKB      int64
	Tests         []TestResult
	SourceSHA256  string
	CreatedAt     time.Time
	StartedAt     *time.Time
	FinishedAt    *time.Time
	// Source is loaded only on request (GetSubmission's withSource); so are Files and Entry
	// of a multi-file submission (Source is then "").
	Source string
	Files  []srcfiles.File
	Entry  string
}

// TestResult is one executed test as stored (a results row, or the test of a "test" event),
// with everything the worker saw, hidden tests included.
type TestResult struct {
	Index    int     `json:"index"`
	Name     string  `json:"name"`
	Group    string  `json:"group,omitempty"`
	Hidden   bool    `json:"hidden"`
	Verdict  string  `json:"verdict"`
	Score    float64 `json:"score,omitempty"`
	TimeMS   int     `json:"time_ms"`
	WallMS   int     `json:"wall_ms"`
	MemoryKB int64   `json:"memory_kb"`
	ExitCode int     `json:"exit_code"`
	Signal   string  `json:"signal,omitempty"`
	Stdout   string  `json:"stdout,omitempty"`
	Stderr   string  `json:"stderr,omitempty"`
	Feedback string  `json:"feedback,omitempty"`
	// Input and Expected are the test's input and answer.
	Input    string `json:"input,omitempty"`
	Expected string `json:"expected,omitempty"`
}

// Event is one stored submission event. Seq, Type and Attempt come from the row's columns;
// the payload (JSON) holds Status and Test.
type Event struct {
	Seq     int64  `json:"-"`
	Type    string `json:"type"`
	Attempt int    `json:"-"`
	Status  string `json:"status,omitempty"`
	// Test is the finished test of a "test" event.
	Test *TestResult `json:"test,omitempty"`
}

// Stats are the queue, worker and relay figures of the stats query.
type Stats struct {
	Queued           int64
	Running          int64
	DoneLastMin      int64
	WorkersAlive     int
	RelayLagMS       int64
	VerdictCounts    map[string]int64
	SubmittedLastMin int64
	VerdictsLastMin  map[string]int64
	Workers          []WorkerStats
}

// WorkerStats is one live worker and what runs in its slots. The tags name the keys the stats
// query builds.
type WorkerStats struct {
	Name           string              `json:"name"`
	Slots          int                 `json:"slots"`
	HeartbeatAgeMS int64               `json:"heartbeat_age_ms"`
	Running        []RunningSubmission `json:"running"`
}

// RunningSubmission is a submission a worker is judging.
type RunningSubmission struct {
	ID        string    `json:"id"`
	Problem   string    `json:"problem"`
	Language  string    `json:"language"`
	Attempt   int       `json:"attempt"`
	StartedAt time.Time `json:"started_at"`
}

// States of a problem version.
const (
	// ProblemActive versions judge submissions.
	ProblemActive = "active"
	// ProblemCalibrating versions wait for their accepted submissions to fix the time limit.
	ProblemCalibrating = "calibrating"
	// ProblemRejected versions had an accepted submission that did not pass.
	ProblemRejected = "rejected"
)

// Calibration is the progress and outcome of computing a version's time limit on the server.
type Calibration struct {
	// Judged of Total accepted submissions have a final verdict.
	Total, Judged int
	// Forced is set when the push was forced: failures are warnings, not a refusal.
	Forced bool
	// ProbeTimeMS is the CPU limit the runs had; SlowestMS the slowest passing run, once settled.
	ProbeTimeMS, SlowestMS int
	Runs                   []CalibrationResult
	// Failures say which accepted submission did not pass, on which test, with which verdict.
	Failures []string
	// Warnings are accepted submissions the server could not run, and kept failures of a
	// forced push.
	Warnings []string
}

// CalibrationResult is one accepted submission judged for a calibration.
type CalibrationResult struct {
	Path, Language, Submission, Status, Verdict string
	TimeMS                                      int
	// FailedTest and FailedVerdict are the first test that was not accepted.
	FailedTest, FailedVerdict, Message string
}
