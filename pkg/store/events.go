package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lib/pq"
)

// EventsChannel is the PostgreSQL NOTIFY channel on which a new row in submission_events is
// announced. Writers call AppendEvent, which inserts the row and notifies in the same
// transaction; every API replica LISTENs once and fans out to its SSE subscribers.
const EventsChannel = "judge_events"

// EventPayload formats the NOTIFY payload for event seq of submission id: "<id>:<seq>".
func EventPayload(submissionID string, seq int64) string {
	return submissionID + ":" + strconv.FormatInt(seq, 10)
}

// ParseEventPayload splits a NOTIFY payload made by EventPayload.
func ParseEventPayload(p string) (submissionID string, seq int64, err error) {
	id, s, ok := strings.Cut(p, ":")
	if !ok || id == "" {
		return "", 0, fmt.Errorf("event payload %q: want <submission id>:<seq>", p)
	}
	seq, err = strconv.ParseInt(s, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("event payload %q: bad seq: %w", p, err)
	}
	return id, seq, nil
}

// AppendEvent records ev for a submission inside tx and notifies EventsChannel, so listeners
// hear of it exactly when tx commits. ev.Seq is ignored (the database assigns it) and
// returned. The stored payload is ev as JSON (the store's Event, whose JSON names are the ones
// events were stored with before the store had types of its own); readers set Seq, Type and
// Attempt from the row.
//
// The event belongs to the submission's current attempt, read in tx (so a caller that has just
// re-queued or finished the submission in tx gets the new state). With ev.Attempt set, the event
// is recorded only while that attempt is still running: a late worker's event (its attempt was
// re-queued or finished by someone else) is dropped, and seq 0 is returned.
func AppendEvent(ctx context.Context, tx *sql.Tx, submissionID string, ev Event) (int64, error) {
	return appendEvents(ctx, nil, tx, submissionID, ev.Attempt, ev)
}

// querier is a transaction or the pool: a single-statement write runs without BEGIN and COMMIT.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// appendEventsSQL records events and notifies; see appendEvents.
const appendEventsSQL = `WITH e AS (
		INSERT INTO submission_events (submission_id, type, payload, attempt)
		SELECT $1::uuid, ev.type, ev.payload::jsonb, coalesce(s.attempt, 1)
		FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS ev(type, payload, ord)
		LEFT JOIN submissions s ON s.id = $1::uuid
		WHERE $4 = 0 OR (s.attempt = $4 AND s.status = 'running')
		ORDER BY ev.ord
		RETURNING seq)
	SELECT last, pg_notify($5, $1::text || ':' || last) FROM (SELECT max(seq) AS last FROM e) m WHERE last IS NOT NULL`

// appendEvents records evs in order, with their notification, in one statement (one round trip,
// one NOTIFY for all of them: listeners re-read everything after what they saw). With attempt
// > 0 they are recorded only while that attempt is running (see AppendEvent); the attempts of
// evs are ignored. It returns the last seq, 0 when nothing was recorded. With s set the
// statement runs prepared, in tx or (tx nil) on its own.
func appendEvents(ctx context.Context, s *Store, tx *sql.Tx, submissionID string, attempt int, evs ...Event) (int64, error) {
	types, payloads, err := encodeEvents(submissionID, evs)
	if err != nil {
		return 0, err
	}
	// The submission row supplies the attempt; without attempt gating a missing submission
	// still gets its events at attempt 1 (and the foreign key decides).
	var seq sql.NullInt64
	args := []any{submissionID, pq.Array(types), pq.Array(payloads), attempt, EventsChannel}
	var row *sql.Row
	if s != nil {
		row = s.hotQueryRow(ctx, tx, appendEventsSQL, args...)
	} else {
		row = tx.QueryRowContext(ctx, appendEventsSQL, args...)
	}
	err = row.Scan(&seq, new(any))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("append %s event for %s: %w", types[len(types)-1], submissionID, mapError(err))
	}
	return seq.Int64, nil
}

// encodeEvents are evs' types and stored payloads (without seq and attempt, which the rows hold).
func encodeEvents(submissionID string, evs []Event) (types, payloads []string, err error) {
	types = make([]string, len(evs))
	payloads = make([]string, len(evs))
	for i, ev := range evs {
		if ev.Type == "" {
			return nil, nil, fmt.Errorf("append event for %s: empty type", submissionID)
		}
		ev.Seq, ev.Attempt = 0, 0
		b, err := json.Marshal(ev)
		if err != nil {
			return nil, nil, fmt.Errorf("append %s event for %s: encode: %w", ev.Type, submissionID, err)
		}
		types[i], payloads[i] = ev.Type, string(b)
	}
	return types, payloads, nil
}

// EventsAfter returns the stored events of a submission with seq > after, oldest first, of its
// current attempt only: what an earlier attempt streamed before it was re-queued is history, and
// a stream (or a client resuming one) shows the attempt that decides the result.
func (s *Store) EventsAfter(ctx context.Context, submissionID string, after int64) ([]Event, error) {
	rows, err := s.hotQuery(ctx, `SELECT e.seq, e.type, e.payload, e.attempt FROM submission_events e
		JOIN submissions s ON s.id = e.submission_id
		WHERE e.submission_id = $1 AND e.seq > $2 AND e.attempt = s.attempt ORDER BY e.seq`, submissionID, after)
	if err != nil {
		return nil, fmt.Errorf("read events of %s: %w", submissionID, mapError(err))
	}
	defer rows.Close()
	var evs []Event
	for rows.Next() {
		var (
			ev      Event
			seq     int64
			typ     string
			payload []byte
			attempt int
		)
		if err := rows.Scan(&seq, &typ, &payload, &attempt); err != nil {
			return nil, fmt.Errorf("read events of %s: %w", submissionID, mapError(err))
		}
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("event %d of %s: decode payload: %w", seq, submissionID, err)
		}
		ev.Seq, ev.Type, ev.Attempt = seq, typ, attempt
		evs = append(evs, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events of %s: %w", submissionID, mapError(err))
	}
	return evs, nil
}
