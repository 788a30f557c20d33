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

// maxNotifyBytes is PostgreSQL's limit on a NOTIFY payload (it must be shorter than 8000 bytes
// in the default configuration).
const maxNotifyBytes = 8000

// EventPayload formats the short NOTIFY payload, which announces event seq of submission id
// without carrying it: "<id>:<seq>". Writers send it when the events do not fit in a NOTIFY.
func EventPayload(submissionID string, seq int64) string {
	return submissionID + ":" + strconv.FormatInt(seq, 10)
}

// eventJSON is an event row e as JSON, as notifications and SubmissionEvents carry events
// (decodeEvents reads an array of them).
const eventJSON = `json_build_object('seq', e.seq, 'type', e.type, 'attempt', e.attempt, 'payload', e.payload)`

// decodeEvents reads a JSON array of eventJSON objects.
func decodeEvents(b []byte) ([]Event, error) {
	var rows []struct {
		Seq     int64           `json:"seq"`
		Type    string          `json:"type"`
		Attempt int             `json:"attempt"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("decode events: %w", err)
	}
	evs := make([]Event, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal(r.Payload, &evs[i]); err != nil {
			return nil, fmt.Errorf("event %d: decode payload: %w", r.Seq, err)
		}
		evs[i].Seq, evs[i].Type, evs[i].Attempt = r.Seq, r.Type, r.Attempt
	}
	return evs, nil
}

// eventNotifySQL is the SQL expression of the NOTIFY payload for the events one statement wrote
// for submission {id} (a SQL expression) in the relation {e} (columns seq, type, payload,
// attempt): "<id>:<last seq>:<after>:<events as a JSON array>", where after is the seq of the
// submission's newest event before them (read in the statement's snapshot, which does not see
// its own inserts; 0 for none), or EventPayload's "<id>:<last seq>" when that does not fit.
// ParseEventPayload reads both.
func eventNotifySQL(id, e string) string {
	return strings.NewReplacer("{id}", id, "{e}", e, "{max}", strconv.Itoa(maxNotifyBytes), "{event}", eventJSON).Replace(`(
		SELECT CASE WHEN octet_length(n.full) < {max} THEN n.full ELSE n.short END FROM (
			SELECT {id}::uuid::text || ':' || max(e.seq) AS short,
				{id}::uuid::text || ':' || max(e.seq) || ':' ||
				coalesce((SELECT max(o.seq) FROM submission_events o WHERE o.submission_id = {id}::uuid), 0) || ':' ||
				json_agg({event} ORDER BY e.seq) AS full
			FROM {e} e) n)`)
}

// Notification is a NOTIFY payload of EventsChannel: events of a submission were committed.
type Notification struct {
	SubmissionID string
	// Seq is the newest event announced.
	Seq int64
	// After is the seq of the submission's newest event before the announced ones, when the
	// payload carries them (HasEvents).
	After  int64
	events string
}

// HasEvents reports whether the payload carried the announced events (see Events).
func (n Notification) HasEvents() bool { return n.events != "" }

// Events decodes the events the payload carried, oldest first: every event the notifying
// statement wrote, seq After excluded up to Seq. A follower that has sent the submission's
// events up to exactly After may send these without reading the database; any other follower
// reads (the database stays the source of truth).
func (n Notification) Events() ([]Event, error) {
	evs, err := decodeEvents([]byte(n.events))
	if err != nil {
		return nil, fmt.Errorf("notification %s:%d: %w", n.SubmissionID, n.Seq, err)
	}
	if len(evs) == 0 || evs[len(evs)-1].Seq != n.Seq {
		return nil, fmt.Errorf("notification %s:%d: its events do not end at its seq", n.SubmissionID, n.Seq)
	}
	return evs, nil
}

// ParseEventPayload reads a NOTIFY payload of EventsChannel, in either form (see EventPayload
// and the writers' eventNotifySQL). It does not decode the events: most notifications are for
// submissions nobody on this replica follows.
func ParseEventPayload(p string) (Notification, error) {
	id, rest, ok := strings.Cut(p, ":")
	if !ok || id == "" {
		return Notification{}, fmt.Errorf("event payload %.40q: want <submission id>:<seq>[:<after>:<events>]", p)
	}
	s, rest, long := strings.Cut(rest, ":")
	seq, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return Notification{}, fmt.Errorf("event payload %.40q: bad seq: %w", p, err)
	}
	n := Notification{SubmissionID: id, Seq: seq}
	if !long {
		return n, nil
	}
	a, evs, ok := strings.Cut(rest, ":")
	if n.After, err = strconv.ParseInt(a, 10, 64); err != nil || !ok || !strings.HasPrefix(evs, "[") || n.After >= seq {
		return Notification{}, fmt.Errorf("event payload %.40q: want <after>:<events as JSON> after the seq", p)
	}
	n.events = evs
	return n, nil
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
var appendEventsSQL = `WITH e AS (
		INSERT INTO submission_events (submission_id, type, payload, attempt)
		SELECT $1::uuid, ev.type, ev.payload::jsonb, coalesce(s.attempt, 1)
		FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS ev(type, payload, ord)
		LEFT JOIN submissions s ON s.id = $1::uuid
		WHERE $4 = 0 OR (s.attempt = $4 AND s.status = 'running')
		ORDER BY ev.ord
		RETURNING seq, type, payload, attempt)
	SELECT m.last, pg_notify($5, ` + eventNotifySQL("$1", "e") + `) FROM (SELECT max(seq) AS last FROM e) m WHERE m.last IS NOT NULL`

// appendEvents records evs in order, with their notification, in one statement (one round trip,
// one NOTIFY for all of them, which carries them when they fit). With attempt
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
