package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/judge-dev/judge/pkg/srcfiles"
)

// Claim identifies one attempt of a submission held by one worker. Every write of a worker is
// conditional on it, so a worker that lost its lease cannot overwrite the one that won.
type Claim struct {
	ID      string
	Attempt int
	Worker  string
}

// Claimed is what a worker needs to judge a submission it claimed.
type Claimed struct {
	Claim
	Language string
	Source   string
	// Files, when not nil, are the program instead of Source (a multi-file submission), and
	// Entry the path of its main file ("" for the language's rule).
	Files []srcfiles.File
	Entry string
	// ProblemID is the problem version; 0 for an ad-hoc run.
	ProblemID      int64
	ProblemSlug    string
	Stdin          *string
	ExpectedOutput *string
	// Limits are the submission's resolved limits: the worker and the judge use them as they are.
	Limits Limits
	// InfraRetries counts earlier attempts handed back for infrastructure faults; they did not
	// spend the submission's attempts (Spent).
	InfraRetries int
	// Args are appended to the run command of an ad-hoc run (Judge0's command_line_arguments).
	Args []string
	// StderrToStdout merges stderr into stdout (Judge0's redirect_stderr_to_stdout).
	StderrToStdout bool
}

// Spent is how many of the submission's attempts were used, this one included.
func (c Claimed) Spent() int { return c.Attempt - c.InfraRetries }

// ClaimSubmission moves a queued submission to running for worker, if the message's attempt
// is still current. ok is false for a duplicate or stale message (already running under a
// lease, done, or re-queued with a later attempt): the caller skips it.
//
// The claim, its "running" event and the notification are one statement (no BEGIN and COMMIT
// round trips): it is atomic on its own.
func (s *Store) ClaimSubmission(ctx context.Context, id string, attempt int, worker string, lease time.Duration) (c Claimed, ok bool, err error) {
	running, err := json.Marshal(Event{Type: EventStatus, Status: StatusRunning})
	if err != nil {
		return Claimed{}, false, fmt.Errorf("claim %s attempt %d: encode event: %w", id, attempt, err)
	}
	var limits, stdinBytes, files []byte
	var problemID sql.NullInt64
	var problem Limits
	err = s.hotQueryRow(ctx, nil, `WITH c AS (
			UPDATE submissions s SET status = 'running', worker = $3,
				lease_until = now() + $4 * interval '1 millisecond', started_at = coalesce(s.started_at, now())
			WHERE s.id = $1 AND s.attempt = $2 AND s.status = 'queued'
			RETURNING s.id, s.attempt, s.language, s.source, s.problem_id,
				coalesce((SELECT slug FROM problems p WHERE p.id = s.problem_id), '') AS slug,
				s.stdin, s.expected_output, s.limits, s.infra_retries,
				(SELECT j.stdin_bytes FROM judge0_submissions j WHERE j.submission_id = s.id) AS stdin_bytes,
				(SELECT j.argv FROM judge0_submissions j WHERE j.submission_id = s.id) AS argv,
				coalesce((SELECT j.stderr_to_stdout FROM judge0_submissions j WHERE j.submission_id = s.id), false) AS stderr_to_stdout,
				coalesce((SELECT p.time_limit_ms FROM problems p WHERE p.id = s.problem_id), 0) AS p_time_ms,
				coalesce((SELECT p.memory_kb FROM problems p WHERE p.id = s.problem_id), 0) AS p_memory_kb,
				coalesce((SELECT p.output_kb FROM problems p WHERE p.id = s.problem_id), 0) AS p_output_kb,
				s.files, s.entry),
		e AS (
			INSERT INTO submission_events (submission_id, type, payload, attempt)
			SELECT c.id, $5, $6::jsonb, c.attempt FROM c RETURNING submission_id, seq, type, payload, attempt)
		SELECT c.language, c.source, c.problem_id, c.slug, c.stdin, c.expected_output, c.limits, c.infra_retries,
			c.stdin_bytes, c.argv, c.stderr_to_stdout, c.p_time_ms, c.p_memory_kb, c.p_output_kb, c.files, c.entry,
			pg_notify($7, `+eventNotifySQL("c.id", "e")+`)
		FROM c JOIN e ON e.submission_id = c.id`,
		id, attempt, worker, lease.Milliseconds(), EventStatus, string(running), EventsChannel).
		Scan(&c.Language, &c.Source, &problemID, &c.ProblemSlug, &c.Stdin, &c.ExpectedOutput, &limits, &c.InfraRetries, &stdinBytes,
			pq.Array(&c.Args), &c.StderrToStdout, &problem.TimeMS, &problem.MemoryKB, &problem.OutputKB, &files, &c.Entry, new(any))
	if errors.Is(err, sql.ErrNoRows) {
		return Claimed{}, false, nil
	}
	if err != nil {
		return Claimed{}, false, fmt.Errorf("claim %s attempt %d: %w", id, attempt, mapError(err))
	}
	stored, err := decodeLimits(limits)
	if err != nil {
		return Claimed{}, false, fmt.Errorf("claim %s attempt %d: limits: %w", id, attempt, err)
	}
	c.Limits = stored.Limits
	if !stored.Resolved {
		c.Limits = resolveStored(stored.Limits, problemID.Valid, problem)
	}
	if files != nil {
		if c.Files, err = decodeFiles(files); err != nil {
			return Claimed{}, false, fmt.Errorf("claim %s attempt %d: files: %w", id, attempt, err)
		}
	}
	c.Claim = Claim{ID: id, Attempt: attempt, Worker: worker}
	c.ProblemID = problemID.Int64
	if stdinBytes != nil {
		// A Judge0 stdin that is not text (store.Judge0.StdinBytes) replaces the "" stored.
		v := string(stdinBytes)
		c.Stdin = &v
	}
	return c, true, nil
}

// ExtendLease pushes the claim's lease forward; held is false when the claim was lost (the
// reaper re-queued it), and the worker must stop.
func (s *Store) ExtendLease(ctx context.Context, c Claim, lease time.Duration) (held bool, err error) {
	res, err := s.db.ExecContext(ctx, `UPDATE submissions SET lease_until = now() + $4 * interval '1 millisecond'
		WHERE id = $1 AND attempt = $2 AND worker = $3 AND status = 'running'`, c.ID, c.Attempt, c.Worker, lease.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("extend lease of %s: %w", c.ID, mapError(err))
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AppendTestEvent streams one finished test of claim c to the submission's watchers. It is
// stored as the worker saw it; the API strips hidden tests' data when it shows the event. A claim that no
// longer holds the submission (re-queued, or finished by another worker) records nothing, so a
// late worker never adds events after "done" or to another attempt.
func (s *Store) AppendTestEvent(ctx context.Context, c Claim, t TestResult) error {
	return s.AppendTestEvents(ctx, c, []TestResult{t})
}

// AppendTestEvents is AppendTestEvent for several tests, in one statement.
func (s *Store) AppendTestEvents(ctx context.Context, c Claim, ts []TestResult) error {
	if len(ts) == 0 {
		return nil
	}
	if _, err := appendEvents(ctx, s, nil, c.ID, c.Attempt, testEvents(ts)...); err != nil {
		return fmt.Errorf("test events of %s: %w", c.ID, err)
	}
	return nil
}

// testEvents are the "test" events of ts, as the worker saw them (the API strips hidden data).
func testEvents(ts []TestResult) []Event {
	evs := make([]Event, len(ts))
	for i, t := range ts {
		evs[i] = Event{Type: EventTest, Status: StatusRunning, Test: &t}
	}
	return evs
}

// Verdict is the final result of one attempt.
type Verdict struct {
	Verdict       string
	Score         *float64
	TimeMS        int
	MemoryKB      int64
	CompileOutput string
	Message       string
	Tests         []TestResult
	// Unstreamed are test events the worker held back (it batches them); they are recorded
	// just before the done event, in the same transaction.
	Unstreamed []TestResult
}

// FinishSubmission writes the verdict, the per-test results and the done event atomically,
// only if c still holds the submission. written is false when it does not (a late worker whose
// lease was taken over): nothing is changed then.
//
// The common case (no results of an earlier attempt to replace, not a calibration run) is one
// statement without BEGIN and COMMIT, which is atomic on its own; the rest, and a claim that
// was lost, take the transaction.
func (s *Store) FinishSubmission(ctx context.Context, c Claim, v Verdict) (written bool, err error) {
	types, payloads, err := encodeEvents(c.ID, append(testEvents(v.Unstreamed), Event{Type: EventDone, Status: StatusDone}))
	if err != nil {
		return false, err
	}
	err = s.hotQueryRow(ctx, nil, finishSQL, append([]any{c.ID, c.Attempt, c.Worker, v.Verdict, v.Score, v.TimeMS, v.MemoryKB,
		v.CompileOutput, v.Message, pq.Array(types), pq.Array(payloads), EventsChannel}, resultArrays(v.Tests)...)...).Scan(new(any), new(any))
	switch {
	case err == nil:
		return true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("finish %s attempt %d: %w", c.ID, c.Attempt, mapError(err))
	}
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		// Results hold the final attempt only, so an earlier one's are deleted with the update.
		var n int
		var calibration bool
		err := s.hotQueryRow(ctx, tx, `WITH up AS (
				UPDATE submissions SET status = 'done', verdict = $4, score = $5,
					time_ms = $6, memory_kb = $7, compile_output = $8, message = $9, lease_until = NULL, finished_at = now()
				WHERE id = $1 AND attempt = $2 AND worker = $3 AND status = 'running' RETURNING id, calibration),
			gone AS (DELETE FROM results r USING up WHERE r.submission_id = up.id)
			SELECT count(*), coalesce(bool_or(calibration), false) FROM up`,
			c.ID, c.Attempt, c.Worker, v.Verdict, v.Score, v.TimeMS, v.MemoryKB, v.CompileOutput, v.Message).Scan(&n, &calibration)
		if err != nil || n != 1 {
			return err
		}
		written = true
		if err := s.insertResults(ctx, tx, c.ID, v.Tests); err != nil {
			return err
		}
		if calibration {
			// A pushed package's accepted submission: the last one to finish settles the
			// version's time limit, in this same transaction.
			if err := settleCalibration(ctx, tx, c.ID); err != nil {
				return err
			}
		}
		evs := append(testEvents(v.Unstreamed), Event{Type: EventDone, Status: StatusDone})
		_, err = appendEvents(ctx, s, tx, c.ID, 0, evs...)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("finish %s attempt %d: %w", c.ID, c.Attempt, err)
	}
	return written, nil
}

// finishSQL is FinishSubmission's one statement: the update, the results, the events and their
// notification, which carries the events when they fit (as appendEventsSQL makes it). It
// changes nothing and returns no row when the claim is lost, the submission is a calibration
// run, or results of an earlier attempt exist (they must be deleted first, and a delete and an
// insert of the same key in one statement would race); the caller's transaction handles those.
var finishSQL = `WITH up AS (
		UPDATE submissions s SET status = 'done', verdict = $4, score = $5,
			time_ms = $6, memory_kb = $7, compile_output = $8, message = $9, lease_until = NULL, finished_at = now()
		WHERE s.id = $1::uuid AND s.attempt = $2 AND s.worker = $3 AND s.status = 'running' AND NOT s.calibration
			AND NOT EXISTS (SELECT 1 FROM results r WHERE r.submission_id = $1)
		RETURNING s.id, s.attempt),
	res AS (
		INSERT INTO results (submission_id, ordinal, name, test_group, hidden,
			verdict, score, time_ms, wall_ms, memory_kb, exit_code, signal, stdout, stderr, feedback, input, expected)
		SELECT up.id, r.ord, r.name, r.test_group, r.hidden, r.verdict, r.score, r.time_ms, r.wall_ms, r.memory_kb,
			r.exit_code, r.signal, r.stdout, r.stderr, r.feedback, r.input, r.expected
		FROM up, unnest($13::text[], $14::text[], $15::bool[], $16::text[], $17::float8[], $18::int[], $19::int[], $20::bigint[],
			$21::int[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[])
			WITH ORDINALITY AS r(name, test_group, hidden, verdict, score, time_ms, wall_ms, memory_kb,
				exit_code, signal, stdout, stderr, feedback, input, expected, ord)),
	e AS (
		INSERT INTO submission_events (submission_id, type, payload, attempt)
		SELECT up.id, ev.type, ev.payload::jsonb, up.attempt
		FROM up, unnest($10::text[], $11::text[]) WITH ORDINALITY AS ev(type, payload, ord)
		ORDER BY ev.ord
		RETURNING seq, type, payload, attempt)
	SELECT m.last, pg_notify($12, ` + eventNotifySQL("$1", "e") + `) FROM (SELECT max(seq) AS last FROM e) m WHERE m.last IS NOT NULL`

// insertResults stores the per-test results of submission id in one statement.
func (s *Store) insertResults(ctx context.Context, tx *sql.Tx, id string, ts []TestResult) error {
	if len(ts) == 0 {
		return nil
	}
	_, err := s.hotExec(ctx, tx, `INSERT INTO results (submission_id, ordinal, name, test_group, hidden,
			verdict, score, time_ms, wall_ms, memory_kb, exit_code, signal, stdout, stderr, feedback, input, expected)
		SELECT $1, r.ord, r.name, r.test_group, r.hidden, r.verdict, r.score, r.time_ms, r.wall_ms, r.memory_kb,
			r.exit_code, r.signal, r.stdout, r.stderr, r.feedback, r.input, r.expected
		FROM unnest($2::text[], $3::text[], $4::bool[], $5::text[], $6::float8[], $7::int[], $8::int[], $9::bigint[],
			$10::int[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
			WITH ORDINALITY AS r(name, test_group, hidden, verdict, score, time_ms, wall_ms, memory_kb,
				exit_code, signal, stdout, stderr, feedback, input, expected, ord)`,
		append([]any{id}, resultArrays(ts)...)...)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}

// resultArrays are ts as the fifteen column arrays the results inserts unnest, in their order.
func resultArrays(ts []TestResult) []any {
	var (
		names, groups, verdicts, signals, stdouts, stderrs, feedbacks, inputs, expecteds []string
		hidden                                                                           []bool
		scores                                                                           []float64
		times, walls, memories, exits                                                    []int64
	)
	for _, t := range ts {
		names, groups, verdicts, signals = append(names, t.Name), append(groups, t.Group), append(verdicts, t.Verdict), append(signals, t.Signal)
		stdouts, stderrs, feedbacks = append(stdouts, t.Stdout), append(stderrs, t.Stderr), append(feedbacks, t.Feedback)
		inputs, expecteds, hidden, scores = append(inputs, t.Input), append(expecteds, t.Expected), append(hidden, t.Hidden), append(scores, t.Score)
		times, walls, memories, exits = append(times, int64(t.TimeMS)), append(walls, int64(t.WallMS)), append(memories, t.MemoryKB), append(exits, int64(t.ExitCode))
	}
	return []any{pq.Array(names), pq.Array(groups), pq.Array(hidden), pq.Array(verdicts), pq.Array(scores),
		pq.Array(times), pq.Array(walls), pq.Array(memories), pq.Array(exits), pq.Array(signals),
		pq.Array(stdouts), pq.Array(stderrs), pq.Array(feedbacks), pq.Array(inputs), pq.Array(expecteds)}
}

// Fault says whose fault a re-queue is.
type Fault int

const (
	// JudgeFault (an internal error of the judge) spends one of the submission's attempts.
	JudgeFault Fault = iota
	// InfraFault (Docker or PostgreSQL unavailable, a worker stopping) does not.
	InfraFault
)

// Requeue hands a claimed submission back: status queued, attempt+1 and a new outbox row, in
// one transaction, so the next attempt travels the same path as a new submission. Used for
// internal errors, infrastructure faults and work a stopping worker could not finish.
func (s *Store) Requeue(ctx context.Context, c Claim, fault Fault, reason string) (requeued bool, err error) {
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		n, err := requeue(ctx, tx, fault, `id = $1 AND attempt = $2 AND worker = $3 AND status = 'running'`, c.ID, c.Attempt, c.Worker)
		requeued = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("requeue %s attempt %d (%s): %w", c.ID, c.Attempt, reason, err)
	}
	return requeued, nil
}

// requeue re-queues the submissions matching where (with args) and inserts their outbox rows.
func requeue(ctx context.Context, tx *sql.Tx, fault Fault, where string, args ...any) (int, error) {
	infra := ""
	if fault == InfraFault {
		infra = ", infra_retries = infra_retries + 1"
	}
	rows, err := tx.QueryContext(ctx, `WITH up AS (
			UPDATE submissions SET status = 'queued', attempt = attempt + 1, worker = NULL, lease_until = NULL,
				dispatched_at = now()`+infra+`
			WHERE `+where+` RETURNING id, attempt, language, problem_id)
		INSERT INTO dispatch (submission_id, attempt, language, problem)
		SELECT up.id, up.attempt, up.language, coalesce(p.slug, '') FROM up LEFT JOIN problems p ON p.id = up.problem_id
		RETURNING submission_id`, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return 0, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := AppendEvent(ctx, tx, id, Event{Type: EventStatus, Status: StatusQueued}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// WorkerHeartbeat announces a live worker with its slot count.
func (s *Store) WorkerHeartbeat(ctx context.Context, name string, slots int) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO workers (name, slots, heartbeat_at) VALUES ($1, $2, now())
		ON CONFLICT (name) DO UPDATE SET slots = EXCLUDED.slots, heartbeat_at = now()`, name, slots)
	if err != nil {
		return fmt.Errorf("worker heartbeat: %w", mapError(err))
	}
	return nil
}

// RemoveWorker deletes a stopping worker's heartbeat row.
func (s *Store) RemoveWorker(ctx context.Context, name string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM workers WHERE name = $1`, name); err != nil {
		return fmt.Errorf("remove worker %s: %w", name, mapError(err))
	}
	return nil
}

// ProblemPackage is what a worker needs to judge against one problem version.
type ProblemPackage struct {
	Archive []byte
	PackageRef
}

// PackageRef names a problem version's package by its content hash, with the limits the
// version was stored with (its computed time limit among them). Versions with the same
// package share one archive; their limits may differ.
type PackageRef struct {
	SHA256      string
	TimeLimitMS int
	MemoryKB    int64
	OutputKB    int64
}

// ProblemPackageRef reads which package problem version id judges with, without its bytes.
func (s *Store) ProblemPackageRef(ctx context.Context, id int64) (PackageRef, error) {
	var r PackageRef
	err := s.db.QueryRowContext(ctx, `SELECT package_sha256, time_limit_ms, memory_kb, output_kb
		FROM problems WHERE id = $1`, id).Scan(&r.SHA256, &r.TimeLimitMS, &r.MemoryKB, &r.OutputKB)
	if err != nil {
		return PackageRef{}, fmt.Errorf("read package of problem %d: %w", id, mapError(err))
	}
	return r, nil
}

// PackageArchive reads the package archive with this SHA-256.
func (s *Store) PackageArchive(ctx context.Context, sha256 string) ([]byte, error) {
	var data []byte
	var size int64
	err := s.db.QueryRowContext(ctx, `SELECT size, data FROM blobs WHERE sha256 = $1`, sha256).Scan(&size, &data)
	if err != nil {
		return nil, fmt.Errorf("read package %s: %w", sha256, mapError(err))
	}
	if data, err = readBlob(ctx, s.db, sha256, data, size); err != nil {
		return nil, fmt.Errorf("read package %s: %w", sha256, err)
	}
	return data, nil
}

// GetProblemPackage reads the package of problem version id with its archive
// (ProblemPackageRef, then PackageArchive).
func (s *Store) GetProblemPackage(ctx context.Context, id int64) (ProblemPackage, error) {
	ref, err := s.ProblemPackageRef(ctx, id)
	if err != nil {
		return ProblemPackage{}, err
	}
	archive, err := s.PackageArchive(ctx, ref.SHA256)
	if err != nil {
		return ProblemPackage{}, fmt.Errorf("read package of problem %d: %w", id, err)
	}
	return ProblemPackage{Archive: archive, PackageRef: ref}, nil
}

// SubmissionState is what a worker reads to tell a stale message from one that arrived before
// its transaction became visible.
type SubmissionState struct {
	Found   bool
	Status  string
	Attempt int
}

// GetSubmissionState reads the status and attempt of submission id.
func (s *Store) GetSubmissionState(ctx context.Context, id string) (SubmissionState, error) {
	st := SubmissionState{Found: true}
	err := s.db.QueryRowContext(ctx, `SELECT status, attempt FROM submissions WHERE id = $1`, id).Scan(&st.Status, &st.Attempt)
	if errors.Is(err, sql.ErrNoRows) {
		return SubmissionState{}, nil
	}
	if err != nil {
		return SubmissionState{}, fmt.Errorf("read state of %s: %w", id, mapError(err))
	}
	return st, nil
}
