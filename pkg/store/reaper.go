package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Reaped counts what one reaper pass did.
type Reaped struct {
	// Requeued submissions got attempt+1 and a new outbox row.
	Requeued int
	// Failed submissions had used every attempt and were finished as IE.
	Failed int
}

// ReapExpired re-queues up to limit running submissions whose lease expired. Every worker runs
// a reaper; FOR UPDATE SKIP LOCKED lets them share the work without waiting on each other. A
// submission whose lease expired on its last allowed attempt (a program that kills workers,
// say) is finished as IE instead of going round forever.
func (s *Store) ReapExpired(ctx context.Context, maxAttempts, limit int) (Reaped, error) {
	var r Reaped
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, attempt - infra_retries FROM submissions
			WHERE status = 'running' AND lease_until < now()
			ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED`, limit)
		if err != nil {
			return err
		}
		var retry, fail []string
		for rows.Next() {
			var id string
			var spent int
			if err := rows.Scan(&id, &spent); err != nil {
				rows.Close()
				return err
			}
			if spent >= maxAttempts {
				fail = append(fail, id)
			} else {
				retry = append(retry, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range retry {
			n, err := requeue(ctx, tx, JudgeFault, `id = $1 AND status = 'running'`, id)
			if err != nil {
				return err
			}
			r.Requeued += n
		}
		for _, id := range fail {
			_, err := tx.ExecContext(ctx, `UPDATE submissions SET status = 'done', verdict = 'IE',
					message = 'the judge lost this submission on every attempt (worker crashed or timed out)',
					lease_until = NULL, finished_at = now()
				WHERE id = $1 AND status = 'running'`, id)
			if err != nil {
				return err
			}
			if _, err := AppendEvent(ctx, tx, id, Event{Type: EventDone, Status: StatusDone}); err != nil {
				return err
			}
			r.Failed++
		}
		return nil
	})
	if err != nil {
		return Reaped{}, fmt.Errorf("reap expired leases: %w", err)
	}
	return r, nil
}
