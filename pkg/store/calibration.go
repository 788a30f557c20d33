package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/judge-dev/judge/pkg/judge/verdict"
	"github.com/judge-dev/judge/pkg/problem"
)

// NewCalibration asks PutProblem to compute the version's time limit on the server: the version
// is stored 'calibrating' and every run becomes a calibration submission, enqueued through the
// outbox like any submission. When the last one is finished (FinishSubmission), the version
// settles: 'active' with the limit problem.Limits.ComputeTimeLimit gives for the slowest run,
// or 'rejected' when a run did not pass and the push was not forced.
type NewCalibration struct {
	// Force keeps a version whose accepted submissions do not all pass: the limit is computed
	// from those that passed (FallbackMS when none did) and the failures become warnings.
	Force bool
	// TimeMultiplier and TimeResolution are the package's (problem.Limits).
	TimeMultiplier float64
	TimeResolution time.Duration
	// FallbackMS is the limit when no run passed: the server's default.
	FallbackMS int
	// Warnings are the package's accepted submissions the server cannot run, kept for the report.
	Warnings []string
	// OwnerTokenID and Owner are who pushed: the calibration submissions are stored under them
	// but never listed, counted or rate-limited as theirs.
	OwnerTokenID int64
	Owner        string
	// Limits are the runs' limits (a generous CPU limit, the problem's memory and output).
	Limits Limits
	Runs   []CalibrationRun
}

// CalibrationRun is one accepted submission of the package to judge.
type CalibrationRun struct {
	Path     string
	Language string
	Source   string
}

// calibrationSettings is what problems.calibration holds.
type calibrationSettings struct {
	Forced           bool     `json:"forced"`
	TimeMultiplier   float64  `json:"time_multiplier"`
	TimeResolutionMS int      `json:"time_resolution_ms"`
	FallbackMS       int      `json:"fallback_ms"`
	ProbeTimeMS      int      `json:"probe_time_ms"`
	SlowestMS        int      `json:"slowest_ms"`
	Warnings         []string `json:"warnings,omitempty"`
}

// insertCalibration stores the calibration settings of version id and enqueues its runs.
func insertCalibration(ctx context.Context, tx *sql.Tx, id int64, slug string, c *NewCalibration) error {
	cs := calibrationSettings{Forced: c.Force, TimeMultiplier: c.TimeMultiplier, TimeResolutionMS: int(c.TimeResolution.Milliseconds()),
		FallbackMS: c.FallbackMS, ProbeTimeMS: c.Limits.TimeMS, Warnings: c.Warnings}
	raw, err := json.Marshal(cs)
	if err != nil {
		return fmt.Errorf("encode calibration: %w", err)
	}
	limits, err := encodeLimits(c.Limits)
	if err != nil {
		return fmt.Errorf("encode calibration limits: %w", err)
	}
	state, source := ProblemCalibrating, "computed"
	if len(c.Runs) == 0 {
		// Nothing to run (a forced push without a runnable accepted submission): the version
		// settles at once, on the fallback.
		state, source = ProblemActive, "default"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE problems SET state = $2, time_limit_source = $3, calibration = $4,
		time_limit_ms = CASE WHEN $2 = 'active' THEN $5 ELSE 0 END WHERE id = $1`, id, state, source, string(raw), c.FallbackMS); err != nil {
		return fmt.Errorf("mark version calibrating: %w", err)
	}
	for i, r := range c.Runs {
		var sid string
		sum := sha256.Sum256([]byte(r.Source))
		err := tx.QueryRowContext(ctx, `INSERT INTO submissions (owner_token_id, owner, problem_id, language, source, source_sha256,
				limits, calibration)
			VALUES ($1, $2, $3, $4, $5, $6, $7, true) RETURNING id`,
			c.OwnerTokenID, c.Owner, id, r.Language, r.Source, hex.EncodeToString(sum[:]), string(limits)).Scan(&sid)
		if err != nil {
			return fmt.Errorf("calibration submission %s: %w", r.Path, err)
		}
		if err := enqueue(ctx, tx, sid, r.Language, slug); err != nil {
			return fmt.Errorf("calibration submission %s: %w", r.Path, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO calibration_runs (problem_id, ordinal, path, submission_id)
			VALUES ($1, $2, $3, $4)`, id, i+1, r.Path, sid); err != nil {
			return fmt.Errorf("calibration run %s: %w", r.Path, err)
		}
	}
	return nil
}

// enqueue writes the outbox row and the first "status" event of a new submission: the one
// path by which users' and calibration submissions reach the workers.
func enqueue(ctx context.Context, tx *sql.Tx, id, language, slug string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO dispatch (submission_id, attempt, language, problem)
		VALUES ($1, 1, $2, $3)`, id, language, slug); err != nil {
		return err
	}
	_, err := AppendEvent(ctx, tx, id, Event{Type: EventStatus, Status: StatusQueued})
	return err
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// calibrationOf reads the calibration of version id with the progress of its runs; nil when
// the version's limit was not computed by the server.
func calibrationOf(ctx context.Context, q queryer, id int64) (*Calibration, *calibrationSettings, error) {
	var raw []byte
	if err := q.QueryRowContext(ctx, `SELECT calibration FROM problems WHERE id = $1`, id).Scan(&raw); err != nil {
		return nil, nil, fmt.Errorf("read calibration of version %d: %w", id, mapError(err))
	}
	if raw == nil {
		return nil, nil, nil
	}
	var cs calibrationSettings
	if err := json.Unmarshal(raw, &cs); err != nil {
		return nil, nil, fmt.Errorf("decode calibration of version %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT c.path, s.language, s.id, s.status, coalesce(s.verdict, ''), coalesce(s.time_ms, 0),
			coalesce(CASE WHEN s.verdict = 'CE' THEN s.compile_output ELSE s.message END, ''),
			coalesce(f.name, ''), coalesce(f.verdict, '')
		FROM calibration_runs c JOIN submissions s ON s.id = c.submission_id
		LEFT JOIN LATERAL (SELECT r.name, r.verdict FROM results r WHERE r.submission_id = s.id AND r.verdict <> 'AC'
			ORDER BY r.ordinal LIMIT 1) f ON true
		WHERE c.problem_id = $1 ORDER BY c.ordinal`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("read calibration runs of version %d: %w", id, mapError(err))
	}
	defer rows.Close()
	cal := &Calibration{Forced: cs.Forced, ProbeTimeMS: cs.ProbeTimeMS, SlowestMS: cs.SlowestMS, Runs: []CalibrationResult{},
		Warnings: cs.Warnings}
	for rows.Next() {
		var r CalibrationResult
		if err := rows.Scan(&r.Path, &r.Language, &r.Submission, &r.Status, &r.Verdict, &r.TimeMS, &r.Message,
			&r.FailedTest, &r.FailedVerdict); err != nil {
			return nil, nil, fmt.Errorf("read calibration runs of version %d: %w", id, mapError(err))
		}
		cal.Runs = append(cal.Runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read calibration runs of version %d: %w", id, mapError(err))
	}
	cal.Total = len(cal.Runs)
	for _, r := range cal.Runs {
		if r.Status == StatusDone {
			cal.Judged++
		}
		if f := failure(r); f != "" {
			cal.Failures = append(cal.Failures, f)
		}
	}
	return cal, &cs, nil
}

// failure describes a finished run that did not pass; "" for one that passed or is not done.
func failure(r CalibrationResult) string {
	if r.Status != StatusDone || r.Verdict == string(verdict.AC) {
		return ""
	}
	switch {
	case r.FailedTest != "":
		return fmt.Sprintf("%s (%s): %s on test %s, expected AC", r.Path, r.Language, r.FailedVerdict, r.FailedTest)
	case r.Message != "":
		return fmt.Sprintf("%s (%s): %s (%s), expected AC", r.Path, r.Language, r.Verdict, firstLine(r.Message))
	}
	return fmt.Sprintf("%s (%s): %s, expected AC", r.Path, r.Language, r.Verdict)
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}

// Settled is how a finished calibration ends.
type Settled struct {
	State           string
	TimeLimitSource string
	TimeLimitMS     int
	SlowestMS       int
	// Warnings are the failures a forced push keeps.
	Warnings []string
}

// settle decides a calibration whose runs are all done: the limit is computed from the
// passing runs with problem.Limits.ComputeTimeLimit, the function `judgectl problem verify`
// uses; a failure rejects the version unless the push was forced.
func settle(cs calibrationSettings, cal *Calibration) Settled {
	passed := 0
	for _, r := range cal.Runs {
		if r.Verdict == string(verdict.AC) {
			passed++
			cal.SlowestMS = max(cal.SlowestMS, r.TimeMS)
		}
	}
	st := Settled{State: ProblemActive, TimeLimitSource: "computed", SlowestMS: cal.SlowestMS}
	if len(cal.Failures) > 0 && !cs.Forced {
		st.State = ProblemRejected
		return st
	}
	st.Warnings = cal.Failures
	if passed == 0 {
		st.TimeLimitSource, st.TimeLimitMS = "default", cs.FallbackMS
		st.Warnings = append(st.Warnings, fmt.Sprintf("no accepted submission passed: the time limit is the server's default, %d ms", cs.FallbackMS))
		return st
	}
	l := problem.Limits{TimeMultiplier: cs.TimeMultiplier, TimeResolution: time.Duration(cs.TimeResolutionMS) * time.Millisecond}
	st.TimeLimitMS = int(l.ComputeTimeLimit(time.Duration(cal.SlowestMS) * time.Millisecond).Milliseconds())
	return st
}

// settleCalibration settles version id's calibration if this was its last unfinished run. It
// runs in the transaction that finishes a calibration submission; the version's row lock
// serialises two runs finishing at once, so exactly one of them settles it.
func settleCalibration(ctx context.Context, tx *sql.Tx, submissionID string) error {
	var id int64
	var state string
	err := tx.QueryRowContext(ctx, `SELECT p.id, p.state FROM calibration_runs c JOIN problems p ON p.id = c.problem_id
		WHERE c.submission_id = $1 FOR UPDATE OF p`, submissionID).Scan(&id, &state)
	if err != nil {
		return fmt.Errorf("calibration of submission %s: %w", submissionID, err)
	}
	if state != ProblemCalibrating {
		return nil
	}
	cal, cs, err := calibrationOf(ctx, tx, id)
	if err != nil {
		return err
	}
	if cal == nil || cal.Judged < cal.Total {
		return nil
	}
	st := settle(*cs, cal)
	cs.SlowestMS = st.SlowestMS
	cs.Warnings = append(cs.Warnings, st.Warnings...)
	raw, err := json.Marshal(cs)
	if err != nil {
		return fmt.Errorf("encode calibration: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE problems SET state = $2, time_limit_source = $3, time_limit_ms = $4, calibration = $5
		WHERE id = $1`, id, st.State, st.TimeLimitSource, st.TimeLimitMS, string(raw)); err != nil {
		return fmt.Errorf("settle calibration of version %d: %w", id, err)
	}
	return nil
}
