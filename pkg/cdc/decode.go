package cdc

import (
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/judge-dev/judge/pkg/queue"
	"github.com/judge-dev/judge/pkg/store"
)

// decoder turns pgoutput inserts into the `dispatch` table into queue messages.
type decoder struct {
	relations map[uint32]*pglogrepl.RelationMessage
	types     *pgtype.Map
}

func newDecoder() *decoder {
	return &decoder{relations: map[uint32]*pglogrepl.RelationMessage{}, types: pgtype.NewMap()}
}

func (d *decoder) relation(m *pglogrepl.RelationMessage) { d.relations[m.RelationID] = m }

// insert decodes one inserted row; ok is false for rows of other tables.
func (d *decoder) insert(m *pglogrepl.InsertMessage) (p pending, ok bool, err error) {
	rel, known := d.relations[m.RelationID]
	if !known {
		return p, false, fmt.Errorf("insert into unknown relation %d", m.RelationID)
	}
	if rel.RelationName != "dispatch" {
		return p, false, nil
	}
	cols := map[string]string{}
	for i, c := range m.Tuple.Columns {
		if i < len(rel.Columns) && c.DataType == pglogrepl.TupleDataTypeText {
			cols[rel.Columns[i].Name] = string(c.Data)
		}
	}
	id, err := strconv.ParseInt(cols["id"], 10, 64)
	if err != nil {
		return p, false, fmt.Errorf("dispatch row: id %q: %w", cols["id"], err)
	}
	attempt, err := strconv.Atoi(cols["attempt"])
	if err != nil {
		return p, false, fmt.Errorf("dispatch row %d: attempt %q: %w", id, cols["attempt"], err)
	}
	enq, err := d.timestamp(cols["enqueued_at"])
	if err != nil {
		return p, false, fmt.Errorf("dispatch row %d: enqueued_at: %w", id, err)
	}
	msg := queue.Message{ID: cols["submission_id"], Language: cols["language"], Problem: cols["problem"],
		Attempt: attempt, EnqueuedAt: enq}
	return pending{dispatchID: id, msg: msg}, true, nil
}

func (d *decoder) timestamp(text string) (time.Time, error) {
	var ts pgtype.Timestamptz
	if err := d.types.Scan(pgtype.TimestamptzOID, pgtype.TextFormatCode, []byte(text), &ts); err != nil {
		return time.Time{}, fmt.Errorf("%q: %w", text, err)
	}
	return ts.Time.UTC(), nil
}

func storeProgress(holder string, p *progress) store.RelayProgress {
	return store.RelayProgress{Holder: holder, ConfirmedLSN: p.lsn.String(), LastCommitAt: p.commitTime, LastAckAt: p.ackTime}
}
