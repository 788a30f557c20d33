package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/judge-dev/judge/pkg/srcfiles"
)

// NewSubmission is what the API stores for an accepted POST /v1/submissions. Limits are the
// effective limits as ResolveLimits computed them; the worker judges with them as they are.
type NewSubmission struct {
	OwnerTokenID int64
	Owner        string
	// ProblemID is the problem version judged against; 0 for an ad-hoc run.
	ProblemID   int64
	ProblemSlug string
	Language    string
	Source      string
	// Files, when set, are the program instead of Source (a multi-file submission); Entry names
	// the one that is run or holds the main class ("" for the language's rule).
	Files []srcfiles.File
	Entry string
	// Stdin and ExpectedOutput describe an ad-hoc run.
	Stdin          *string
	ExpectedOutput *string
	Limits         Limits
	// IdempotencyKey, when set, makes a repeated create by the same owner return the first id.
	IdempotencyKey string
	// Judge0, for a submission made through the Judge0 routes, is stored with it.
	Judge0 *Judge0
	// RequestSHA256 is the hash of the canonical request the key was sent with: a replay of the
	// key must carry the same one (any difference, in stdin, limits or anything else, is a
	// conflict). Rows stored without one are compared by language, source and problem only.
	RequestSHA256 string
}

// Created is the outcome of CreateSubmission.
type Created struct {
	ID     string
	Status string
	// Replayed is set when the idempotency key matched an earlier submission.
	Replayed bool
}

// CreateSubmission inserts the submission, its outbox row in dispatch (which the relay
// publishes) and its first "status" event, in one transaction. With an idempotency key already
// used by the owner it returns the earlier submission instead, or an ErrConflict when the
// earlier one was a different request.
func (s *Store) CreateSubmission(ctx context.Context, n NewSubmission) (Created, error) {
	limits, err := encodeLimits(n.Limits)
	if err != nil {
		return Created{}, fmt.Errorf("create submission: encode limits: %w", err)
	}
	sum := sha256.Sum256([]byte(n.Source))
	srcHash := hex.EncodeToString(sum[:])
	var files any
	if n.Files != nil {
		b, err := json.Marshal(n.Files)
		if err != nil {
			return Created{}, fmt.Errorf("create submission: encode files: %w", err)
		}
		files, srcHash = string(b), srcfiles.Hash(n.Files, n.Entry)
	}
	var key, problemID, reqHash any
	if n.IdempotencyKey != "" {
		key = n.IdempotencyKey
	}
	if n.RequestSHA256 != "" {
		reqHash = n.RequestSHA256
	}
	if n.ProblemID != 0 {
		problemID = n.ProblemID
	}
	queued, err := json.Marshal(Event{Type: EventStatus, Status: StatusQueued})
	if err != nil {
		return Created{}, fmt.Errorf("create submission: encode event: %w", err)
	}
	// The submission, its outbox row, its first event and the notification are one statement;
	// only a Judge0 submission, which adds a row of its own, needs a transaction around it.
	create := func(tx *sql.Tx) (Created, error) {
		var c Created
		err := s.hotQueryRow(ctx, tx, `WITH s AS (
				INSERT INTO submissions
				(owner_token_id, owner, problem_id, language, source, source_sha256, stdin, expected_output, limits, idempotency_key, request_sha256, files, entry)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $16::jsonb, $17)
				ON CONFLICT (owner_token_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
				RETURNING id, status),
			d AS (INSERT INTO dispatch (submission_id, attempt, language, problem) SELECT id, 1, $4, $12 FROM s),
			e AS (INSERT INTO submission_events (submission_id, type, payload, attempt)
				SELECT id, $13, $14::jsonb, 1 FROM s RETURNING submission_id, seq, type, payload, attempt)
			SELECT s.id, s.status, pg_notify($15, `+eventNotifySQL("s.id", "e")+`) FROM s JOIN e ON e.submission_id = s.id`,
			n.OwnerTokenID, n.Owner, problemID, n.Language, n.Source, srcHash, n.Stdin, n.ExpectedOutput, string(limits), key, reqHash,
			n.ProblemSlug, EventStatus, string(queued), EventsChannel, files, n.Entry).
			Scan(&c.ID, &c.Status, new(any))
		if err == sql.ErrNoRows {
			// The key was used before; ON CONFLICT waited for that transaction, so its row is
			// visible to the next statement.
			var q querier = s.db
			if tx != nil {
				q = tx
			}
			err = replay(ctx, q, n, srcHash, &c)
		}
		return c, err
	}
	var c Created
	if n.Judge0 == nil {
		c, err = create(nil)
		err = mapError(err)
	} else {
		err = s.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			if c, err = create(tx); err != nil || c.Replayed {
				return err
			}
			return insertJudge0(ctx, tx, c.ID, n.Judge0)
		})
	}
	if err != nil {
		return Created{}, fmt.Errorf("create submission: %w", err)
	}
	return c, nil
}

func replay(ctx context.Context, tx querier, n NewSubmission, srcHash string, c *Created) error {
	var lang, hash string
	var reqHash sql.NullString
	var problemID sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, status, language, source_sha256, problem_id, request_sha256 FROM submissions
		WHERE owner_token_id = $1 AND idempotency_key = $2`, n.OwnerTokenID, n.IdempotencyKey).
		Scan(&c.ID, &c.Status, &lang, &hash, &problemID, &reqHash)
	if err != nil {
		return fmt.Errorf("find submission of idempotency key: %w", err)
	}
	// A row stored before request hashes existed is compared by the fields it has.
	same := lang == n.Language && hash == srcHash && problemID.Valid == (n.ProblemID != 0)
	if reqHash.Valid {
		same = reqHash.String == n.RequestSHA256
	}
	if !same {
		return &mappedError{kind: ErrConflict, err: fmt.Errorf(
			"Idempotency-Key %q was already used for a different request (submission %s); send the same body to replay it, or use a new key for a new submission", n.IdempotencyKey, c.ID)}
	}
	c.Replayed = true
	return nil
}

const submissionColumns = `s.id, s.owner_token_id, s.owner, coalesce(p.slug, ''), coalesce(p.version, 0),
	s.language, s.status, coalesce(s.verdict, ''), s.score, s.limits, s.attempt,
	coalesce(s.compile_output, ''), coalesce(s.message, ''), coalesce(s.time_ms, 0), coalesce(s.memory_kb, 0),
	s.source_sha256, s.created_at, s.started_at, s.finished_at,
	s.problem_id IS NOT NULL, coalesce(p.time_limit_ms, 0), coalesce(p.memory_kb, 0), coalesce(p.output_kb, 0)`

func scanSubmission(sc interface{ Scan(...any) error }, extra ...any) (Submission, error) {
	var sub Submission
	var limits []byte
	var score sql.NullFloat64
	var hasProblem bool
	var problem Limits
	dest := []any{&sub.ID, &sub.OwnerTokenID, &sub.Owner, &sub.Problem, &sub.ProblemVersion,
		&sub.Language, &sub.Status, &sub.Verdict, &score, &limits, &sub.Attempt,
		&sub.CompileOutput, &sub.Message, &sub.TimeMS, &sub.MemoryKB,
		&sub.SourceSHA256, &sub.CreatedAt, &sub.StartedAt, &sub.FinishedAt,
		&hasProblem, &problem.TimeMS, &problem.MemoryKB, &problem.OutputKB}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return sub, err
	}
	if score.Valid {
		sub.Score = &score.Float64
	}
	l, err := decodeLimits(limits)
	if err != nil {
		return sub, fmt.Errorf("submission %s: %w", sub.ID, err)
	}
	sub.Limits = l.Limits
	if !l.Resolved {
		// A row from before: show the limits its claim judges it with.
		sub.Limits = resolveStored(l.Limits, hasProblem, problem)
	}
	return sub, nil
}

// resultsJSON is the results of submission s, a done one, as a JSON array of TestResult (the
// keys are its JSON names), or NULL: reading them in the submission's statement saves a round
// trip per read of a finished submission.
const resultsJSON = `CASE WHEN s.status = 'done' THEN (SELECT json_agg(json_build_object(
		'index', r.ordinal, 'name', r.name, 'group', r.test_group, 'hidden', r.hidden, 'verdict', r.verdict,
		'score', r.score, 'time_ms', r.time_ms, 'wall_ms', r.wall_ms, 'memory_kb', r.memory_kb,
		'exit_code', r.exit_code, 'signal', r.signal, 'stdout', r.stdout, 'stderr', r.stderr,
		'feedback', r.feedback, 'input', r.input, 'expected', r.expected) ORDER BY r.ordinal)
	FROM results r WHERE r.submission_id = s.id) END`

// GetSubmission returns a submission with its per-test results (hidden ones included; the API
// decides what to show), in one statement. withSource also loads the source text, or the files
// and entry of a multi-file submission.
func (s *Store) GetSubmission(ctx context.Context, id string, withSource bool) (Submission, error) {
	var src, entry string
	var files, results []byte
	// Results are written only with the final status (FinishSubmission), so only a done
	// submission has any.
	sub, err := scanSubmission(s.hotQueryRow(ctx, nil, `SELECT `+submissionColumns+`,
		CASE WHEN $2 THEN s.source ELSE '' END, CASE WHEN $2 THEN s.files END, s.entry, `+resultsJSON+`
		FROM submissions s LEFT JOIN problems p ON p.id = s.problem_id WHERE s.id = $1`, id, withSource), &src, &files, &entry, &results)
	if err != nil {
		return Submission{}, fmt.Errorf("get submission %s: %w", id, mapError(err))
	}
	sub.Source = src
	if withSource {
		sub.Entry = entry
	}
	if files != nil {
		fs, err := decodeFiles(files)
		if err != nil {
			return Submission{}, fmt.Errorf("get submission %s: %w", id, err)
		}
		sub.Files = fs
	}
	if results != nil {
		if err := json.Unmarshal(results, &sub.Tests); err != nil {
			return Submission{}, fmt.Errorf("get results of %s: %w", id, err)
		}
	}
	return sub, nil
}

// SubmissionEvents is what an event stream starts from, read in one statement: the submission
// (without source, and without results: the stream reads them with its done event) and its
// events after seq after, as EventsAfter returns them.
func (s *Store) SubmissionEvents(ctx context.Context, id string, after int64) (Submission, []Event, error) {
	var evs []byte
	sub, err := scanSubmission(s.hotQueryRow(ctx, nil, `SELECT `+submissionColumns+`,
		(SELECT json_agg(`+eventJSON+` ORDER BY e.seq) FROM submission_events e
			WHERE e.submission_id = s.id AND e.seq > $2 AND e.attempt = s.attempt)
		FROM submissions s LEFT JOIN problems p ON p.id = s.problem_id WHERE s.id = $1`, id, after), &evs)
	if err != nil {
		return Submission{}, nil, fmt.Errorf("get submission %s: %w", id, mapError(err))
	}
	if evs == nil {
		return sub, nil, nil
	}
	events, err := decodeEvents(evs)
	if err != nil {
		return Submission{}, nil, fmt.Errorf("events of %s: %w", id, err)
	}
	return sub, events, nil
}

// decodeFiles reads the files column.
func decodeFiles(b []byte) ([]srcfiles.File, error) {
	var fs []srcfiles.File
	if err := json.Unmarshal(b, &fs); err != nil {
		return nil, fmt.Errorf("decode files: %w", err)
	}
	return fs, nil
}

// SubmissionStatus returns just the status of a submission, for cheap polling.
func (s *Store) SubmissionStatus(ctx context.Context, id string) (string, error) {
	var st string
	if err := s.db.QueryRowContext(ctx, `SELECT status FROM submissions WHERE id = $1`, id).Scan(&st); err != nil {
		return "", fmt.Errorf("status of %s: %w", id, mapError(err))
	}
	return st, nil
}

// Cursor is a position in the newest-first order of submissions.
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// ListFilter selects submissions; zero fields do not filter.
type ListFilter struct {
	OwnerTokenID int64
	Owner        string
	Problem      string
	Status       string
	Verdict      string
	// After continues a listing after this position.
	After *Cursor
	Limit int
}

// ListSubmissions returns submissions newest first (created_at, then id), without tests or
// source, using the keyset (created_at, id) so deep pages cost the same as the first.
func (s *Store) ListSubmissions(ctx context.Context, f ListFilter) ([]Submission, error) {
	// Calibration submissions are the server's own (a pushed package's time limit), never a user's.
	where := []string{"NOT s.calibration"}
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.OwnerTokenID != 0 {
		add("s.owner_token_id = $%d", f.OwnerTokenID)
	}
	if f.Owner != "" {
		add("s.owner = $%d", f.Owner)
	}
	if f.Problem != "" {
		add("p.slug = $%d", f.Problem)
	}
	if f.Status != "" {
		add("s.status = $%d", f.Status)
	}
	if f.Verdict != "" {
		add("s.verdict = $%d", f.Verdict)
	}
	if f.After != nil {
		args = append(args, f.After.CreatedAt, f.After.ID)
		where = append(where, fmt.Sprintf("(s.created_at, s.id) < ($%d, $%d)", len(args)-1, len(args)))
	}
	q := `SELECT ` + submissionColumns + ` FROM submissions s LEFT JOIN problems p ON p.id = s.problem_id
		WHERE ` + strings.Join(where, " AND ")
	args = append(args, max(f.Limit, 1))
	q += fmt.Sprintf(" ORDER BY s.created_at DESC, s.id DESC LIMIT $%d", len(args))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list submissions: %w", mapError(err))
	}
	defer rows.Close()
	var out []Submission
	for rows.Next() {
		sub, err := scanSubmission(rows)
		if err != nil {
			return nil, fmt.Errorf("list submissions: %w", mapError(err))
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list submissions: %w", mapError(err))
	}
	return out, nil
}
