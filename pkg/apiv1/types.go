// Package apiv1 owns the JSON wire types of the judge's HTTP API, version 1. The server (pkg/api)
// and the Go client (pkg/client) both use them, so they cannot drift apart; api/openapi.yaml
// describes the same shapes for everyone else. Types here carry no behaviour and import nothing
// from the server side.
package apiv1

import "time"

// Status of a submission.
const (
	StatusQueued  = "queued"
	StatusRunning = "running"
	StatusDone    = "done"
)

// Verdicts, as DESIGN.md fixes them.
const (
	VerdictAC  = "AC"  // accepted
	VerdictWA  = "WA"  // wrong answer
	VerdictTLE = "TLE" // time limit exceeded (CPU, or wall time for sleepers)
	VerdictMLE = "MLE" // memory limit exceeded
	VerdictOLE = "OLE" // output limit exceeded
	VerdictRE  = "RE"  // runtime error
	VerdictCE  = "CE"  // compile error
	VerdictIE  = "IE"  // internal error (the judge's fault)
	VerdictPA  = "PA"  // partially accepted (scoring problems)
)

// Roles of API tokens.
const (
	RoleAdmin     = "admin"
	RoleSubmitter = "submitter"
	RoleViewer    = "viewer"
)

// SubmissionRequest is the body of POST /v1/submissions. Either Problem is set, or the
// submission is ad hoc (Judge0-style) with Stdin and an optional ExpectedOutput.
type SubmissionRequest struct {
	Language string `json:"language"`
	// Source is a program of one file. A program of several files gives Files instead.
	Source string `json:"source,omitempty"`
	// Files are the files of a multi-file program (sources, headers, data), placed in the
	// sandbox's work directory under their paths before the compile.
	Files []SourceFile `json:"files,omitempty"`
	// Entry is the path of the file of Files that is run (a script) or holds the main class;
	// empty means the language's rule (docs/languages.md): a file named main.*, else the first
	// source in path order.
	Entry string `json:"entry,omitempty"`
	// Problem is the slug of a stored problem.
	Problem string `json:"problem,omitempty"`
	// Stdin and ExpectedOutput describe an ad-hoc run (no problem).
	Stdin          *string `json:"stdin,omitempty"`
	ExpectedOutput *string `json:"expected_output,omitempty"`
	// Limits override the problem's or the defaults, within the server's maxima.
	Limits *Limits `json:"limits,omitempty"`
}

// SourceFile is one file of a multi-file submission. Exactly one of Content (text) and
// ContentBase64 (any bytes) is set; an empty file is Content "".
type SourceFile struct {
	// Path is relative to the submission's root, slash-separated, without "." or ".." elements.
	Path          string  `json:"path"`
	Content       *string `json:"content,omitempty"`
	ContentBase64 *string `json:"content_base64,omitempty"`
}

// Limits of one run. Zero fields mean "use the default".
type Limits struct {
	TimeMS     int   `json:"time_ms,omitempty"`
	MemoryKB   int64 `json:"memory_kb,omitempty"`
	OutputKB   int64 `json:"output_kb,omitempty"`
	WallTimeMS int   `json:"wall_time_ms,omitempty"`
	// Processes caps the processes and threads of the program.
	Processes int `json:"processes,omitempty"`
	// FileSizeKB caps any one file the program writes.
	FileSizeKB int64 `json:"file_size_kb,omitempty"`
}

// SubmissionAccepted is the 202 answer to a POST.
type SubmissionAccepted struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// Location is the URL of the submission resource.
	Location string `json:"location"`
}

// Submission is a submission as the API shows it.
type Submission struct {
	ID             string       `json:"id"`
	Owner          string       `json:"owner"`
	Problem        string       `json:"problem,omitempty"`
	ProblemVersion int          `json:"problem_version,omitempty"`
	Language       string       `json:"language"`
	Status         string       `json:"status"`
	Verdict        string       `json:"verdict,omitempty"`
	Score          *float64     `json:"score,omitempty"`
	Limits         Limits       `json:"limits"`
	Attempt        int          `json:"attempt"`
	CompileOutput  string       `json:"compile_output,omitempty"`
	Message        string       `json:"message,omitempty"`
	TimeMS         int          `json:"time_ms,omitempty"`
	MemoryKB       int64        `json:"memory_kb,omitempty"`
	Tests          []TestResult `json:"tests,omitempty"`
	SourceSHA256   string       `json:"source_sha256"`
	CreatedAt      time.Time    `json:"created_at"`
	StartedAt      *time.Time   `json:"started_at,omitempty"`
	FinishedAt     *time.Time   `json:"finished_at,omitempty"`
	// Source is only included with ?include=source for the owner or an admin; so are Files
	// (a multi-file submission, whose Source is empty) and Entry.
	Source string       `json:"source,omitempty"`
	Files  []SourceFile `json:"files,omitempty"`
	Entry  string       `json:"entry,omitempty"`
}

// TestResult is the outcome of one executed test. For hidden (secret) tests the server leaves
// Stdout, Stderr, Feedback, Input and Expected empty: only the verdict, time and memory are shown.
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
	// Input and Expected are the test's input and answer, for sample tests only.
	Input    string `json:"input,omitempty"`
	Expected string `json:"expected,omitempty"`
}

// SubmissionList is the answer to GET /v1/submissions.
type SubmissionList struct {
	Items []Submission `json:"items"`
	// NextCursor is passed back as ?cursor= to get the next page; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// Event types on GET /v1/submissions/{id}/events (Server-Sent Events). Each event's data is an
// Event; its SSE id is Seq, which a client passes back in Last-Event-ID to resume.
const (
	EventStatus = "status"
	EventTest   = "test"
	EventDone   = "done"
)

// Event is the data of one SSE event.
type Event struct {
	Seq  int64  `json:"seq"`
	Type string `json:"type"`
	// Attempt is the submission's attempt the event belongs to; a stream shows only the
	// current attempt's events, and a new attempt starts with a "status" event.
	Attempt    int         `json:"attempt,omitempty"`
	Status     string      `json:"status,omitempty"`
	Test       *TestResult `json:"test,omitempty"`
	Submission *Submission `json:"submission,omitempty"`
}

// Stats is the answer to GET /v1/stats.
type Stats struct {
	Queued        int64            `json:"queued"`
	Running       int64            `json:"running"`
	DoneLastMin   int64            `json:"done_last_minute"`
	WorkersAlive  int              `json:"workers_alive"`
	RelayLagMS    int64            `json:"relay_lag_ms"`
	VerdictCounts map[string]int64 `json:"verdict_counts"`
	// SubmittedLastMin counts submissions created in the last minute (the arrival rate).
	SubmittedLastMin int64 `json:"submitted_last_minute"`
	// VerdictsLastMin counts the verdicts of submissions finished in the last minute.
	VerdictsLastMin map[string]int64 `json:"verdicts_last_minute"`
	// Workers are the live workers (heartbeat within the alive window), by name.
	Workers []WorkerStats `json:"workers"`
}

// WorkerStats is one live worker in GET /v1/stats: its slots and what runs in them.
type WorkerStats struct {
	Name  string `json:"name"`
	Slots int    `json:"slots"`
	// HeartbeatAgeMS is how long ago the worker last reported.
	HeartbeatAgeMS int64               `json:"heartbeat_age_ms"`
	Running        []RunningSubmission `json:"running"`
}

// RunningSubmission is a submission a worker is judging.
type RunningSubmission struct {
	ID       string `json:"id"`
	Problem  string `json:"problem,omitempty"`
	Language string `json:"language"`
	Attempt  int    `json:"attempt"`
	// StartedAt is when the worker claimed it.
	StartedAt time.Time `json:"started_at"`
}

// Language is an entry of GET /v1/languages.
type Language struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Extensions []string `json:"extensions"`
	Compiled   bool     `json:"compiled"`
	// Version describes the toolchain ("gcc 12").
	Version string `json:"version,omitempty"`
}

// Problem is a problem as GET /v1/problems[/{slug}] shows it. Secret test data never appears.
type Problem struct {
	Slug        string    `json:"slug"`
	Name        string    `json:"name"`
	Version     int       `json:"version"`
	Type        string    `json:"type"` // pass-fail or scoring; interactive is a flag
	Interactive bool      `json:"interactive"`
	Limits      Limits    `json:"limits"`
	Samples     int       `json:"samples"`
	Tests       int       `json:"tests"`
	CreatedAt   time.Time `json:"created_at"`
	// State is ProblemActive (submissions are judged against it), ProblemCalibrating (its time
	// limit is being computed from the package's accepted submissions) or ProblemRejected (an
	// accepted submission did not pass; Calibration says which).
	State string `json:"state"`
	// TimeLimitSource says where limits.time_ms came from: "package" (problem.yaml fixes it),
	// "computed" (from the accepted submissions, as `judgectl problem verify` computes it) or
	// "default" (a forced push with nothing to compute from: the server's default).
	TimeLimitSource string `json:"time_limit_source"`
	// Calibration is the server's run of the accepted submissions, for a version whose time
	// limit was computed (or is being computed).
	Calibration *Calibration `json:"calibration,omitempty"`
}

// States of a problem version.
const (
	ProblemActive      = "active"
	ProblemCalibrating = "calibrating"
	ProblemRejected    = "rejected"
)

// Calibration is the progress and outcome of computing a version's time limit on the server.
type Calibration struct {
	// Judged of Total accepted submissions have a final verdict.
	Total  int `json:"total"`
	Judged int `json:"judged"`
	// Forced is set when the push was forced: failures are warnings, not a refusal.
	Forced bool `json:"forced"`
	// ProbeTimeMS is the CPU limit the accepted submissions ran under.
	ProbeTimeMS int `json:"probe_time_ms"`
	// SlowestMS is the slowest passing run's CPU time (the slowest test), once settled.
	SlowestMS int              `json:"slowest_ms"`
	Runs      []CalibrationRun `json:"runs"`
	// Failures say which accepted submission did not pass, on which test, with which verdict.
	Failures []string `json:"failures,omitempty"`
	// Warnings are accepted submissions the server could not run, and kept failures of a
	// forced push.
	Warnings []string `json:"warnings,omitempty"`
}

// CalibrationRun is one accepted submission judged for a calibration.
type CalibrationRun struct {
	Path       string `json:"path"`
	Language   string `json:"language"`
	Submission string `json:"submission"`
	Status     string `json:"status"`
	Verdict    string `json:"verdict,omitempty"`
	TimeMS     int    `json:"time_ms"`
	// FailedTest and FailedVerdict are the first test that was not accepted.
	FailedTest    string `json:"failed_test,omitempty"`
	FailedVerdict string `json:"failed_verdict,omitempty"`
	Message       string `json:"message,omitempty"`
}

// ProblemList is the answer to GET /v1/problems.
type ProblemList struct {
	Items []Problem `json:"items"`
}

// ProblemPushed is the answer to PUT /v1/problems/{slug} (body: the package as a zip or tar.gz).
type ProblemPushed struct {
	Problem Problem `json:"problem"`
	// Created is false when the package was identical to the latest version.
	Created bool `json:"created"`
}

// ErrTypeProblemNotReady (409): the problem's only versions are calibrating or were refused.
const ErrTypeProblemNotReady = "https://judge.dev/errors/problem-not-ready"

// Problem+json error types (RFC 9457 `type` values), stable across releases.
const (
	ErrTypeBadRequest       = "https://judge.dev/errors/bad-request"
	ErrTypeValidation       = "https://judge.dev/errors/validation"
	ErrTypeUnauthorized     = "https://judge.dev/errors/unauthorized"
	ErrTypeForbidden        = "https://judge.dev/errors/forbidden"
	ErrTypeNotFound         = "https://judge.dev/errors/not-found"
	ErrTypeConflict         = "https://judge.dev/errors/conflict"
	ErrTypeTooLarge         = "https://judge.dev/errors/too-large"
	ErrTypeRateLimited      = "https://judge.dev/errors/rate-limited"
	ErrTypeUnavailable      = "https://judge.dev/errors/unavailable"
	ErrTypeInternal         = "https://judge.dev/errors/internal"
	ErrTypeUnsupportedType  = "https://judge.dev/errors/unsupported-media-type"
	ErrTypeMethodNotAllowed = "https://judge.dev/errors/method-not-allowed"
)

// Problem details (RFC 9457), served as application/problem+json.
type ProblemDetails struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors lists each invalid field, for validation errors.
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError names one invalid input.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// LanguageList is the answer to GET /v1/languages.
type LanguageList struct {
	Items []Language `json:"items"`
}

// Readiness is the body of GET /readyz.
type Readiness struct {
	Status string `json:"status"`
	// Relays is the delivery pipeline as each relay leader last recorded it. It informs and
	// does not decide readiness: an API replica serves whatever state the relay is in.
	Relays []RelayHealth `json:"relays,omitempty"`
}

// RelayHealth is the state of one relay deployment (replication slot).
type RelayHealth struct {
	Slot   string `json:"slot"`
	Holder string `json:"holder"`
	// Healthy: slot and publication in order and no backfill outstanding.
	Healthy bool `json:"healthy"`
	// SlotStatus is the slot's wal_status ("reserved", "extended", "unreserved", "lost") or
	// "missing"; Publication is "ok", "missing" or what is wrong with it.
	SlotStatus      string     `json:"slot_status"`
	Publication     string     `json:"publication"`
	BackfillPending bool       `json:"backfill_pending"`
	BackfillReason  string     `json:"backfill_reason,omitempty"`
	Backfilled      int64      `json:"backfilled"`
	Repairs         int64      `json:"repairs"`
	LastRepair      string     `json:"last_repair,omitempty"`
	LastRepairAt    *time.Time `json:"last_repair_at,omitempty"`
	Redispatched    int64      `json:"redispatched"`
	ObsoleteDeleted int64      `json:"obsolete_deleted"`
	// StaleQueued counts queued submissions whose last dispatch is over a minute old.
	StaleQueued int64      `json:"stale_queued"`
	CheckedAt   *time.Time `json:"checked_at,omitempty"`
}
