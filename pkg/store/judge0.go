package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/lib/pq"

	"github.com/judge-dev/judge/pkg/srcfiles"
)

// Judge0 is what a submission made through the Judge0-compatible routes stores beyond the
// judge's own fields (table judge0_submissions).
type Judge0 struct {
	// LanguageID is the Judge0 language id the client sent, echoed in answers.
	LanguageID int
	// Options are the Judge0 request options without a column of their own, as the api
	// package encodes them.
	Options json.RawMessage
	// CallbackURL, when set, gets a PUT of the submission once its verdict is final.
	CallbackURL string
	// StdinBytes, when not nil, is a stdin that is not text (NUL bytes or invalid UTF-8): the
	// submission's stdin column holds "" and the worker reads these bytes instead.
	StdinBytes []byte
	// Args are appended to the language's run command (Judge0's command_line_arguments).
	Args []string
	// StderrToStdout merges the program's stderr into its stdout (redirect_stderr_to_stdout).
	StderrToStdout bool
}

func insertJudge0(ctx context.Context, tx *sql.Tx, id string, j *Judge0) error {
	opts := j.Options
	if len(opts) == 0 {
		opts = json.RawMessage(`{}`)
	}
	var cb any
	if j.CallbackURL != "" {
		cb = j.CallbackURL
	}
	var argv any
	if len(j.Args) > 0 {
		argv = pq.Array(j.Args)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO judge0_submissions (submission_id, language_id, options, callback_url, stdin_bytes, argv,
		stderr_to_stdout) VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, j.LanguageID, string(opts), cb, j.StdinBytes, argv, j.StderrToStdout)
	if err != nil {
		return fmt.Errorf("store Judge0 options: %w", err)
	}
	return nil
}

// Judge0Details are the parts of a submission only the Judge0 routes show.
type Judge0Details struct {
	Source         string
	Stdin          *string
	ExpectedOutput *string
	// Judge0 is nil for a submission made through /v1.
	Judge0 *Judge0
}

// Judge0Details returns the details of the submissions ids that exist.
func (s *Store) Judge0Details(ctx context.Context, ids []string) (map[string]Judge0Details, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, s.source, s.stdin, s.expected_output,
		j.language_id, j.options, coalesce(j.callback_url, ''), j.stdin_bytes, coalesce(j.stderr_to_stdout, false),
		s.files, s.entry
		FROM submissions s LEFT JOIN judge0_submissions j ON j.submission_id = s.id
		WHERE s.id = ANY($1::uuid[])`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("read Judge0 details: %w", mapError(err))
	}
	defer rows.Close()
	out := make(map[string]Judge0Details, len(ids))
	for rows.Next() {
		var id string
		var d Judge0Details
		var stdin, expected sql.NullString
		var langID sql.NullInt64
		var opts []byte
		var cb string
		var stdinBytes []byte
		var merged bool
		var files []byte
		var entry string
		if err := rows.Scan(&id, &d.Source, &stdin, &expected, &langID, &opts, &cb, &stdinBytes, &merged, &files, &entry); err != nil {
			return nil, fmt.Errorf("read Judge0 details: %w", mapError(err))
		}
		if files != nil && entry != "" {
			// A submission with additional_files keeps its source as the entry among its files.
			fs, err := decodeFiles(files)
			if err != nil {
				return nil, fmt.Errorf("read Judge0 details of %s: %w", id, err)
			}
			if i := slices.IndexFunc(fs, func(f srcfiles.File) bool { return f.Path == entry }); i >= 0 {
				d.Source = string(fs[i].Data)
			}
		}
		if stdin.Valid {
			d.Stdin = &stdin.String
		}
		if expected.Valid {
			d.ExpectedOutput = &expected.String
		}
		if langID.Valid {
			d.Judge0 = &Judge0{LanguageID: int(langID.Int64), Options: opts, CallbackURL: cb, StdinBytes: stdinBytes,
				StderrToStdout: merged}
			if stdinBytes != nil {
				v := string(stdinBytes)
				d.Stdin = &v
			}
		}
		out[id] = d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read Judge0 details: %w", mapError(err))
	}
	return out, nil
}

// SubmissionsPage returns one page of submissions newest first with their test results, and
// how many there are in all: Judge0's page/per_page listing. ownerTokenID 0 lists everyone's.
func (s *Store) SubmissionsPage(ctx context.Context, ownerTokenID int64, offset, limit int) ([]Submission, int64, error) {
	var total int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM submissions WHERE NOT calibration AND ($1 = 0 OR owner_token_id = $1)`,
		ownerTokenID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count submissions: %w", mapError(err))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+submissionColumns+` FROM submissions s
		LEFT JOIN problems p ON p.id = s.problem_id WHERE NOT s.calibration AND ($1 = 0 OR s.owner_token_id = $1)
		ORDER BY s.created_at DESC, s.id DESC OFFSET $2 LIMIT $3`, ownerTokenID, offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list submissions: %w", mapError(err))
	}
	defer rows.Close()
	var out []Submission
	index := map[string]int{}
	for rows.Next() {
		sub, err := scanSubmission(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list submissions: %w", mapError(err))
		}
		index[sub.ID] = len(out)
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list submissions: %w", mapError(err))
	}
	if len(out) == 0 {
		return out, total, nil
	}
	ids := make([]string, 0, len(out))
	for _, sub := range out {
		ids = append(ids, sub.ID)
	}
	res, err := s.db.QueryContext(ctx, `SELECT submission_id, ordinal, name, test_group, hidden, verdict, score, time_ms,
		wall_ms, memory_kb, exit_code, signal, stdout, stderr, feedback
		FROM results WHERE submission_id = ANY($1::uuid[]) ORDER BY submission_id, ordinal`, pq.Array(ids))
	if err != nil {
		return nil, 0, fmt.Errorf("list results: %w", mapError(err))
	}
	defer res.Close()
	for res.Next() {
		var id string
		var r TestResult
		if err := res.Scan(&id, &r.Index, &r.Name, &r.Group, &r.Hidden, &r.Verdict, &r.Score, &r.TimeMS,
			&r.WallMS, &r.MemoryKB, &r.ExitCode, &r.Signal, &r.Stdout, &r.Stderr, &r.Feedback); err != nil {
			return nil, 0, fmt.Errorf("list results: %w", mapError(err))
		}
		out[index[id]].Tests = append(out[index[id]].Tests, r)
	}
	if err := res.Err(); err != nil {
		return nil, 0, fmt.Errorf("list results: %w", mapError(err))
	}
	return out, total, nil
}

// DeleteDoneSubmission deletes a submission that is done, with its results, events and Judge0
// row. It reports false when there is no such submission or it is not done (a queued or
// running submission is never deleted: a worker may hold it).
func (s *Store) DeleteDoneSubmission(ctx context.Context, id string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM submissions WHERE id = $1 AND status = 'done' AND NOT calibration`, id)
	if err != nil {
		return false, fmt.Errorf("delete submission %s: %w", id, mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("delete submission %s: %w", id, mapError(err))
	}
	return n == 1, nil
}

// WorkerSlots returns how many workers are alive and how many slots they have together.
func (s *Store) WorkerSlots(ctx context.Context) (workers, slots int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(slots), 0) FROM workers
		WHERE heartbeat_at > now() - interval '`+WorkerAliveWindow+`'`).Scan(&workers, &slots)
	if err != nil {
		return 0, 0, fmt.Errorf("count workers: %w", mapError(err))
	}
	return workers, slots, nil
}

// Callback is a due Judge0 callback: a PUT of the submission to URL.
type Callback struct {
	SubmissionID string
	URL          string
	// Attempt counts this try, from 1.
	Attempt int
}

// ClaimCallbacks takes up to limit due callbacks of done submissions that have had fewer than
// maxAttempts tries, and hides each from other claimers for lease (so one API replica
// delivers it; a replica that dies mid-delivery leaves it to be claimed again).
func (s *Store) ClaimCallbacks(ctx context.Context, limit, maxAttempts int, lease time.Duration) ([]Callback, error) {
	rows, err := s.db.QueryContext(ctx, `UPDATE judge0_submissions j
		SET callback_next_at = now() + $3 * interval '1 millisecond', callback_attempts = j.callback_attempts + 1
		WHERE j.submission_id IN (
			SELECT c.submission_id FROM judge0_submissions c JOIN submissions s ON s.id = c.submission_id
			WHERE c.callback_url IS NOT NULL AND c.callback_done_at IS NULL AND c.callback_next_at <= now()
				AND c.callback_attempts < $2 AND s.status = 'done'
			ORDER BY c.callback_next_at LIMIT $1 FOR UPDATE OF c SKIP LOCKED)
		RETURNING j.submission_id, j.callback_url, j.callback_attempts`, limit, maxAttempts, lease.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("claim callbacks: %w", mapError(err))
	}
	defer rows.Close()
	var out []Callback
	for rows.Next() {
		var c Callback
		if err := rows.Scan(&c.SubmissionID, &c.URL, &c.Attempt); err != nil {
			return nil, fmt.Errorf("claim callbacks: %w", mapError(err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim callbacks: %w", mapError(err))
	}
	return out, nil
}

// FinishCallback records the outcome of a delivery: done (delivered, or given up with
// failure set), or to be retried at retryAt.
func (s *Store) FinishCallback(ctx context.Context, id string, failure string, retryAt *time.Time) error {
	var errText any
	if failure != "" {
		errText = failure
	}
	var err error
	if retryAt != nil {
		_, err = s.db.ExecContext(ctx, `UPDATE judge0_submissions SET callback_next_at = $2, callback_error = $3
			WHERE submission_id = $1`, id, *retryAt, errText)
	} else {
		_, err = s.db.ExecContext(ctx, `UPDATE judge0_submissions SET callback_done_at = now(), callback_error = $2
			WHERE submission_id = $1`, id, errText)
	}
	if err != nil {
		return fmt.Errorf("record callback of %s: %w", id, mapError(err))
	}
	return nil
}

// CallbackState is a callback's progress, for tests and operators.
type CallbackState struct {
	Attempts int
	Done     bool
	Error    string
}

// Judge0Callback returns the callback state of submission id.
func (s *Store) Judge0Callback(ctx context.Context, id string) (CallbackState, error) {
	var c CallbackState
	err := s.db.QueryRowContext(ctx, `SELECT callback_attempts, callback_done_at IS NOT NULL, coalesce(callback_error, '')
		FROM judge0_submissions WHERE submission_id = $1`, id).Scan(&c.Attempts, &c.Done, &c.Error)
	if err != nil {
		return c, fmt.Errorf("read callback of %s: %w", id, mapError(err))
	}
	return c, nil
}
