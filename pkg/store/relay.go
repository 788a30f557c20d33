package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// RelayProgress is what the active relay reports after Kafka acknowledged a transaction.
type RelayProgress struct {
	Holder       string
	ConfirmedLSN string
	LastCommitAt time.Time
	LastAckAt    time.Time
}

// RecordRelayProgress upserts the single relay_state row; lag is ack time minus commit time.
func (s *Store) RecordRelayProgress(ctx context.Context, p RelayProgress) error {
	lag := p.LastAckAt.Sub(p.LastCommitAt).Milliseconds()
	if lag < 0 {
		lag = 0 // clocks of the database and the relay differ slightly
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO relay_state (id, holder, confirmed_lsn, last_commit_at, last_ack_at, lag_ms, updated_at)
		VALUES (1, $1, $2, $3, $4, $5, now())
		ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, confirmed_lsn = EXCLUDED.confirmed_lsn,
			last_commit_at = EXCLUDED.last_commit_at, last_ack_at = EXCLUDED.last_ack_at,
			lag_ms = EXCLUDED.lag_ms, updated_at = now()`,
		p.Holder, p.ConfirmedLSN, p.LastCommitAt, p.LastAckAt, lag)
	if err != nil {
		return fmt.Errorf("record relay progress: %w", mapError(err))
	}
	return nil
}

// DeleteDispatched removes outbox rows Kafka has acknowledged. Deletes are not published
// (the publication carries inserts only), so this only keeps the outbox small.
func (s *Store) DeleteDispatched(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM dispatch WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return fmt.Errorf("delete %d dispatched rows: %w", len(ids), mapError(err))
	}
	return nil
}

// EmitRelayHeartbeat writes a non-transactional logical message, so an idle database still
// sends the relay something whose position it can confirm, and WAL does not pile up behind
// the slot.
func (s *Store) EmitRelayHeartbeat(ctx context.Context, prefix string) error {
	if _, err := s.db.ExecContext(ctx, `SELECT pg_logical_emit_message(false, $1, '')`, prefix); err != nil {
		return fmt.Errorf("emit relay heartbeat: %w", mapError(err))
	}
	return nil
}

// DispatchRow is one row of the outbox.
type DispatchRow struct {
	ID           int64
	SubmissionID string
	Attempt      int
	Language     string
	Problem      string
	EnqueuedAt   time.Time
}

// OutboxHighWater is the highest outbox row id, 0 for an empty outbox.
func (s *Store) OutboxHighWater(ctx context.Context) (int64, error) {
	var high int64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM dispatch`).Scan(&high); err != nil {
		return 0, fmt.Errorf("read the outbox's highest id: %w", mapError(err))
	}
	return high, nil
}

// DispatchBatch lists up to limit outbox rows with an id above afterID, in id order: the
// backfill pages through the outbox with it.
func (s *Store) DispatchBatch(ctx context.Context, afterID int64, limit int) ([]DispatchRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, submission_id, attempt, language, problem, enqueued_at
		FROM dispatch WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list outbox after %d: %w", afterID, mapError(err))
	}
	defer rows.Close()
	var out []DispatchRow
	for rows.Next() {
		var d DispatchRow
		if err := rows.Scan(&d.ID, &d.SubmissionID, &d.Attempt, &d.Language, &d.Problem, &d.EnqueuedAt); err != nil {
			return nil, fmt.Errorf("list outbox after %d: %w", afterID, mapError(err))
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list outbox after %d: %w", afterID, mapError(err))
	}
	return out, nil
}
