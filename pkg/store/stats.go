package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// WorkerAliveWindow: a worker whose heartbeat is older than this is counted as gone.
const WorkerAliveWindow = "15 seconds"

// Stats reads the queue, worker and relay figures of GET /v1/stats in one round trip.
func (s *Store) Stats(ctx context.Context) (apiv1.Stats, error) {
	st := apiv1.Stats{VerdictCounts: map[string]int64{}}
	var counts []byte
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM submissions WHERE status = 'queued'),
		(SELECT count(*) FROM submissions WHERE status = 'running'),
		(SELECT count(*) FROM submissions WHERE status = 'done' AND finished_at > now() - interval '1 minute'),
		(SELECT count(*) FROM workers WHERE heartbeat_at > now() - interval '`+WorkerAliveWindow+`'),
		coalesce((SELECT lag_ms FROM relay_state WHERE id = 1), 0),
		coalesce((SELECT jsonb_object_agg(verdict, n) FROM
			(SELECT verdict, count(*) AS n FROM submissions WHERE status = 'done' GROUP BY verdict) v), '{}')`).
		Scan(&st.Queued, &st.Running, &st.DoneLastMin, &st.WorkersAlive, &st.RelayLagMS, &counts)
	if err != nil {
		return st, fmt.Errorf("read stats: %w", mapError(err))
	}
	if err := json.Unmarshal(counts, &st.VerdictCounts); err != nil {
		return st, fmt.Errorf("read stats: decode verdict counts: %w", err)
	}
	return st, nil
}
