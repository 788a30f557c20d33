package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The relay's reconciler keeps the outbox and the replication slot honest: PostgreSQL is the
// source of truth, so whatever was lost downstream (a Kafka record, a slot, a publication) is
// dispatched again from here. Every statement is conditional, so two relays running a pass at
// once (a term change) do no harm.

// maxRedispatchDoublings caps the growth of the re-dispatch deadline (deadline × 2^n).
const maxRedispatchDoublings = 5

// RedispatchStale re-dispatches up to limit queued submissions whose current dispatch is older
// than deadline (doubled for each earlier re-dispatch of the submission): a new outbox row with
// the same attempt, so the worker that claims either copy wins and the other is skipped as a
// duplicate. Older outbox rows of those submissions are superseded and deleted. It returns the
// ids re-dispatched.
func (s *Store) RedispatchStale(ctx context.Context, slot string, deadline time.Duration, limit int) ([]string, error) {
	var ids []string
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `WITH stale AS (
				SELECT id FROM submissions
				WHERE status = 'queued'
				  AND dispatched_at < now() - $1 * interval '1 millisecond' * power(2, least(redispatches, $3))
				ORDER BY dispatched_at LIMIT $2 FOR UPDATE SKIP LOCKED),
			up AS (
				UPDATE submissions s SET dispatched_at = now(), redispatches = s.redispatches + 1
				FROM stale WHERE s.id = stale.id AND s.status = 'queued'
				RETURNING s.id, s.attempt, s.language, s.problem_id),
			gone AS (
				DELETE FROM dispatch d USING up WHERE d.submission_id = up.id)
			INSERT INTO dispatch (submission_id, attempt, language, problem)
			SELECT up.id, up.attempt, up.language, coalesce(p.slug, '') FROM up LEFT JOIN problems p ON p.id = up.problem_id
			RETURNING submission_id`, deadline.Milliseconds(), limit, maxRedispatchDoublings)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		return bumpHealth(ctx, tx, slot, "redispatched", len(ids))
	})
	if err != nil {
		return nil, fmt.Errorf("re-dispatch queued submissions older than %s: %w", deadline, mapError(err))
	}
	return ids, nil
}

// DeleteObsoleteDispatch deletes outbox rows older than age whose attempt is no longer queued
// (claimed through another copy, finished, or re-queued with a later attempt): publishing them
// would be a no-op. It catches rows whose trim was lost with a relay's term.
func (s *Store) DeleteObsoleteDispatch(ctx context.Context, slot string, age time.Duration) (int, error) {
	var n int
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM dispatch d
			WHERE d.enqueued_at < now() - $1 * interval '1 millisecond'
			  AND NOT EXISTS (SELECT 1 FROM submissions s
				WHERE s.id = d.submission_id AND s.status = 'queued' AND s.attempt = d.attempt)`, age.Milliseconds())
		if err != nil {
			return err
		}
		rows, err := res.RowsAffected()
		if err != nil || rows == 0 {
			return err
		}
		n = int(rows)
		return bumpHealth(ctx, tx, slot, "obsolete_deleted", n)
	})
	if err != nil {
		return 0, fmt.Errorf("delete obsolete outbox rows: %w", mapError(err))
	}
	return n, nil
}

// bumpHealth adds n to a counter column of the slot's relay_health row.
func bumpHealth(ctx context.Context, tx *sql.Tx, slot, column string, n int) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO relay_health (slot, `+column+`) VALUES ($1, $2)
		ON CONFLICT (slot) DO UPDATE SET `+column+` = relay_health.`+column+` + EXCLUDED.`+column, slot, n)
	return err
}

// BeginBackfill records, before a slot is created or a publication repaired, that every outbox
// row present must be published from the table. It stays set until EndBackfill, so a relay that
// dies half-way leaves the work to the next term.
func (s *Store) BeginBackfill(ctx context.Context, slot, reason string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO relay_health (slot, backfill_pending, backfill_reason) VALUES ($1, true, $2)
		ON CONFLICT (slot) DO UPDATE SET backfill_pending = true,
			backfill_reason = CASE WHEN relay_health.backfill_pending AND relay_health.backfill_reason <> ''
				THEN relay_health.backfill_reason ELSE EXCLUDED.backfill_reason END`, slot, reason)
	if err != nil {
		return fmt.Errorf("mark backfill of slot %s: %w", slot, mapError(err))
	}
	return nil
}

// BackfillPending reports whether a backfill of slot must run, and why.
func (s *Store) BackfillPending(ctx context.Context, slot string) (pending bool, reason string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT backfill_pending, backfill_reason FROM relay_health WHERE slot = $1`, slot).Scan(&pending, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("read backfill state of slot %s: %w", slot, mapError(err))
	}
	return pending, reason, nil
}

// EndBackfill clears the backfill mark and counts the rows it published.
func (s *Store) EndBackfill(ctx context.Context, slot string, published int) error {
	_, err := s.db.ExecContext(ctx, `UPDATE relay_health SET backfill_pending = false, backfill_reason = '',
		backfilled = backfilled + $2 WHERE slot = $1`, slot, published)
	if err != nil {
		return fmt.Errorf("end backfill of slot %s: %w", slot, mapError(err))
	}
	return nil
}

// RecordRelayRepair counts one repair of the slot or publication, with what was done.
func (s *Store) RecordRelayRepair(ctx context.Context, slot, holder, what string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO relay_health (slot, holder, repairs, last_repair, last_repair_at)
		VALUES ($1, $2, 1, $3, now())
		ON CONFLICT (slot) DO UPDATE SET holder = EXCLUDED.holder, repairs = relay_health.repairs + 1,
			last_repair = EXCLUDED.last_repair, last_repair_at = now()`, slot, holder, what)
	if err != nil {
		return fmt.Errorf("record repair of slot %s: %w", slot, mapError(err))
	}
	return nil
}

// RelayCheck is what one inspection of the slot and the publication found.
type RelayCheck struct {
	Slot              string
	Holder            string
	SlotStatus        string
	PublicationStatus string
}

// RecordRelayCheck stores the latest inspection.
func (s *Store) RecordRelayCheck(ctx context.Context, c RelayCheck) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO relay_health (slot, holder, slot_status, publication_status, checked_at)
		VALUES ($1, $2, $3, $4, now())
		ON CONFLICT (slot) DO UPDATE SET holder = EXCLUDED.holder, slot_status = EXCLUDED.slot_status,
			publication_status = EXCLUDED.publication_status, checked_at = now()`,
		c.Slot, c.Holder, c.SlotStatus, c.PublicationStatus)
	if err != nil {
		return fmt.Errorf("record relay check of slot %s: %w", c.Slot, mapError(err))
	}
	return nil
}

// RelayHealth is the state of one relay deployment (slot) as its leader last recorded it.
type RelayHealth struct {
	Slot              string
	Holder            string
	SlotStatus        string
	PublicationStatus string
	BackfillPending   bool
	BackfillReason    string
	Backfilled        int64
	Repairs           int64
	LastRepair        string
	LastRepairAt      *time.Time
	Redispatched      int64
	ObsoleteDeleted   int64
	CheckedAt         *time.Time
	// StaleQueued counts queued submissions of the whole database whose dispatch is older than
	// a minute: a non-zero value that stays means the pipeline is stuck somewhere.
	StaleQueued int64
}

// Healthy reports whether the last inspection found the slot and publication in order and no
// backfill is outstanding.
func (h RelayHealth) Healthy() bool {
	return h.PublicationStatus == "ok" && h.SlotStatus != "" && h.SlotStatus != "lost" && h.SlotStatus != "missing" && !h.BackfillPending
}

// ListRelayHealth reads every relay_health row.
func (s *Store) ListRelayHealth(ctx context.Context) ([]RelayHealth, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT slot, holder, slot_status, publication_status, backfill_pending,
			backfill_reason, backfilled, repairs, last_repair, last_repair_at, redispatched, obsolete_deleted, checked_at,
			(SELECT count(*) FROM submissions WHERE status = 'queued' AND dispatched_at < now() - interval '1 minute')
		FROM relay_health ORDER BY slot`)
	if err != nil {
		return nil, fmt.Errorf("read relay health: %w", mapError(err))
	}
	defer rows.Close()
	var out []RelayHealth
	for rows.Next() {
		var h RelayHealth
		if err := rows.Scan(&h.Slot, &h.Holder, &h.SlotStatus, &h.PublicationStatus, &h.BackfillPending, &h.BackfillReason,
			&h.Backfilled, &h.Repairs, &h.LastRepair, &h.LastRepairAt, &h.Redispatched, &h.ObsoleteDeleted, &h.CheckedAt,
			&h.StaleQueued); err != nil {
			return nil, fmt.Errorf("read relay health: %w", mapError(err))
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read relay health: %w", mapError(err))
	}
	return out, nil
}
