package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// WorkerAliveWindow: a worker whose heartbeat is older than this is counted as gone.
const WorkerAliveWindow = "15 seconds"

// Stats reads the queue, worker and relay figures of GET /v1/stats in one round trip. What a
// worker runs comes from the running submissions' worker column (calibration runs included); the
// counts leave out the server's own calibration submissions, which are nobody's.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{VerdictCounts: map[string]int64{}, VerdictsLastMin: map[string]int64{}, Workers: []WorkerStats{}}
	var counts, lastMin, workers []byte
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM submissions WHERE status = 'queued' AND NOT calibration),
		(SELECT count(*) FROM submissions WHERE status = 'running' AND NOT calibration),
		(SELECT count(*) FROM submissions WHERE status = 'done' AND NOT calibration AND finished_at > now() - interval '1 minute'),
		(SELECT count(*) FROM workers WHERE heartbeat_at > now() - interval '`+WorkerAliveWindow+`'),
		coalesce((SELECT lag_ms FROM relay_state WHERE id = 1), 0),
		coalesce((SELECT jsonb_object_agg(verdict, n) FROM
			(SELECT verdict, count(*) AS n FROM submissions WHERE status = 'done' AND NOT calibration GROUP BY verdict) v), '{}'),
		(SELECT count(*) FROM submissions WHERE created_at > now() - interval '1 minute' AND NOT calibration),
		coalesce((SELECT jsonb_object_agg(verdict, n) FROM
			(SELECT verdict, count(*) AS n FROM submissions
			 WHERE status = 'done' AND NOT calibration AND finished_at > now() - interval '1 minute' GROUP BY verdict) v), '{}'),
		coalesce((SELECT jsonb_agg(jsonb_build_object(
				'name', w.name, 'slots', w.slots,
				'heartbeat_age_ms', floor(extract(epoch FROM now() - w.heartbeat_at) * 1000)::bigint,
				'running', coalesce((SELECT jsonb_agg(jsonb_build_object(
						'id', r.id, 'problem', coalesce(p.slug, ''), 'language', r.language,
						'attempt', r.attempt, 'started_at', coalesce(r.started_at, r.created_at))
						ORDER BY r.started_at, r.id)
					FROM submissions r LEFT JOIN problems p ON p.id = r.problem_id
					WHERE r.status = 'running' AND r.worker = w.name), '[]'::jsonb))
				ORDER BY w.name)
			FROM workers w WHERE w.heartbeat_at > now() - interval '`+WorkerAliveWindow+`'), '[]')`).
		Scan(&st.Queued, &st.Running, &st.DoneLastMin, &st.WorkersAlive, &st.RelayLagMS, &counts,
			&st.SubmittedLastMin, &lastMin, &workers)
	if err != nil {
		return st, fmt.Errorf("read stats: %w", mapError(err))
	}
	if err := json.Unmarshal(counts, &st.VerdictCounts); err != nil {
		return st, fmt.Errorf("read stats: decode verdict counts: %w", err)
	}
	if err := json.Unmarshal(lastMin, &st.VerdictsLastMin); err != nil {
		return st, fmt.Errorf("read stats: decode verdicts of the last minute: %w", err)
	}
	if err := json.Unmarshal(workers, &st.Workers); err != nil {
		return st, fmt.Errorf("read stats: decode workers: %w", err)
	}
	return st, nil
}
