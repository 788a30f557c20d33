package cdc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/judge-dev/judge/pkg/queue"
	"github.com/judge-dev/judge/pkg/retry"
	"github.com/judge-dev/judge/pkg/store"
)

// Statuses of the slot and the publication besides the slot's wal_status.
const (
	statusOK      = "ok"
	statusMissing = "missing"
	// slotLost is the wal_status of a slot invalidated by max_slot_wal_keep_size.
	slotLost = "lost"
	// slotElsewhere marks a slot of this name that belongs to another database.
	slotElsewhere = "other-database"
	// pubNoInserts and pubNoTable describe a publication that drifted.
	pubNoInserts = "does not publish inserts"
	pubNoTable   = "lacks the dispatch table"
)

// backfillBatch is how many outbox rows one produce of the backfill carries.
const backfillBatch = 500

// redispatchBatch bounds the submissions one reconciliation pass re-dispatches.
const redispatchBatch = 1000

// obsoleteAge is how old an outbox row must be before the reconciler may delete it as obsolete:
// well past the relay's own trim, which follows the acknowledgement within a second.
const obsoleteAge = 30 * time.Second

// errRepair ends a term whose slot or publication must be repaired before streaming again.
var errRepair = errors.New("replication slot or publication needs repair")

// inspection is what the leader found in the catalogs.
type inspection struct {
	slot        string // wal_status, statusMissing or slotElsewhere
	publication string // statusOK, statusMissing, pubNoInserts or pubNoTable
}

// needsNewTerm reports a state that streaming cannot survive: the slot must be recreated.
func (in inspection) needsNewTerm() bool {
	return in.slot == statusMissing || in.slot == slotLost || in.publication == statusMissing
}

func (r *Relay) inspect(ctx context.Context, conn *pgconn.PgConn) (inspection, error) {
	rows, err := query(ctx, conn, `SELECT
		CASE WHEN NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1) THEN 'missing'
			WHEN NOT (SELECT pubinsert FROM pg_publication WHERE pubname = $1) THEN 'does not publish inserts'
			WHEN NOT EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = $1
				AND schemaname = current_schema() AND tablename = 'dispatch') THEN 'lacks the dispatch table'
			ELSE 'ok' END,
		coalesce((SELECT CASE WHEN database <> current_database() THEN 'other-database'
			ELSE coalesce(wal_status, 'reserved') END FROM pg_replication_slots WHERE slot_name = $2), 'missing')`,
		r.opts.Publication, r.opts.Slot)
	if err != nil {
		return inspection{}, fmt.Errorf("inspect slot %s and publication %s: %w", r.opts.Slot, r.opts.Publication, err)
	}
	return inspection{publication: string(rows[0][0]), slot: string(rows[0][1])}, nil
}

// prepare makes the slot and the publication usable before streaming, repairing what it finds
// wrong, and runs (or resumes) the backfill they call for. Only the leader runs it.
//
// The order matters: the backfill is marked before a slot is created or a publication
// repaired, so a relay that dies in between leaves the mark for the next term; rows committed
// before the repair are then published from the table, rows committed after it from the slot.
func (r *Relay) prepare(ctx context.Context, conn *pgconn.PgConn, prod Producer) error {
	in, err := r.inspect(ctx, conn)
	if err != nil {
		return err
	}
	if in.slot == slotElsewhere {
		return fmt.Errorf("replication slot %s belongs to another database of this PostgreSQL cluster: give this relay its own slot name (judged relay --slot NAME)", r.opts.Slot)
	}
	seen, err := r.slotSeenBefore(ctx)
	if err != nil {
		return err
	}
	// recreated is set when the slot was dropped as part of the publication's repair, which
	// records both.
	recreated := false
	switch in.publication {
	case statusOK:
	case statusMissing:
		// A slot's stream cannot cross the time the publication was missing (decoding looks
		// the publication up as of each change), so the slot is recreated too.
		if in.slot != statusMissing {
			if err := r.repairBegin(ctx, "publication missing"); err != nil {
				return err
			}
			if err := r.dropSlot(ctx, conn); err != nil {
				return err
			}
			in.slot = statusMissing
			recreated = true
		}
		q := fmt.Sprintf(`CREATE PUBLICATION %s FOR TABLE dispatch WITH (publish = 'insert')`, quoteIdent(r.opts.Publication))
		if _, err := conn.Exec(ctx, q).ReadAll(); err != nil && !isDuplicate(err) {
			return fmt.Errorf("create publication %s: %w", r.opts.Publication, err)
		}
		r.log.Info("created publication", "publication", r.opts.Publication)
		if recreated {
			r.repaired(ctx, "publication was missing: recreated it and the slot, backfilling the outbox")
		}
	default:
		if err := r.repairPublication(ctx, conn, in.publication); err != nil {
			return err
		}
	}
	switch in.slot {
	case slotLost:
		if err := r.repairBegin(ctx, "slot invalidated"); err != nil {
			return err
		}
		if err := r.dropSlot(ctx, conn); err != nil {
			return err
		}
		if err := r.createSlot(ctx, conn); err != nil {
			return err
		}
		r.repaired(ctx, "slot was invalidated (wal_status lost): recreated it, backfilling the outbox")
	case statusMissing:
		reason := "slot created"
		if seen {
			reason = "slot missing"
		}
		if err := r.repairBegin(ctx, reason); err != nil {
			return err
		}
		if err := r.createSlot(ctx, conn); err != nil {
			return err
		}
		if seen && !recreated {
			r.repaired(ctx, "slot was missing: recreated it, backfilling the outbox")
		}
	}
	if err := r.backfill(ctx, prod); err != nil {
		return err
	}
	r.recordCheck(ctx, conn)
	return nil
}

// slotSeenBefore reports whether a leader already recorded this slot as existing, which makes
// a missing one a repair rather than a first start.
func (r *Relay) slotSeenBefore(ctx context.Context) (bool, error) {
	hs, err := r.opts.Store.ListRelayHealth(ctx)
	if err != nil {
		return false, err
	}
	for _, h := range hs {
		if h.Slot == r.opts.Slot {
			return h.SlotStatus != "" && h.SlotStatus != statusMissing, nil
		}
	}
	return false, nil
}

// repairBegin marks the backfill a repair calls for; it is set before the repair itself.
func (r *Relay) repairBegin(ctx context.Context, reason string) error {
	return r.opts.Store.BeginBackfill(ctx, r.opts.Slot, reason)
}

// repaired records and logs a finished repair. A failure to record it is only logged: the
// repair itself happened.
func (r *Relay) repaired(ctx context.Context, what string) {
	r.log.Warn("relay repaired the pipeline", "repair", what, "slot", r.opts.Slot, "publication", r.opts.Publication)
	if err := r.opts.Store.RecordRelayRepair(ctx, r.opts.Slot, r.opts.Holder, what); err != nil {
		r.log.Warn("record repair", "err", err)
	}
}

// repairPublication puts the dispatch table and inserts back into a publication that lost
// them. Inserts committed meanwhile were skipped by decoding, so the outbox is backfilled.
func (r *Relay) repairPublication(ctx context.Context, conn *pgconn.PgConn, status string) error {
	if err := r.repairBegin(ctx, "publication "+status); err != nil {
		return err
	}
	pub := quoteIdent(r.opts.Publication)
	var q string
	switch status {
	case pubNoInserts:
		q = fmt.Sprintf(`ALTER PUBLICATION %s SET (publish = 'insert')`, pub)
	case pubNoTable:
		q = fmt.Sprintf(`ALTER PUBLICATION %s ADD TABLE dispatch`, pub)
	default:
		return fmt.Errorf("publication %s: unknown state %q", r.opts.Publication, status)
	}
	// "Already member of publication" is a duplicate too: another relay repaired it first.
	if _, err := conn.Exec(ctx, q).ReadAll(); err != nil && !isDuplicate(err) {
		return fmt.Errorf("repair publication %s (%s): %w", r.opts.Publication, status, err)
	}
	r.repaired(ctx, fmt.Sprintf("publication %s: altered it back, backfilling the outbox", status))
	return nil
}

func (r *Relay) createSlot(ctx context.Context, conn *pgconn.PgConn) error {
	if _, err := query(ctx, conn, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, r.opts.Slot); err != nil && !isDuplicate(err) {
		return fmt.Errorf("create replication slot %s: %w (PostgreSQL needs wal_level=logical)", r.opts.Slot, err)
	}
	r.log.Info("created replication slot", "slot", r.opts.Slot)
	return nil
}

// dropSlot drops the slot. A walsender of an earlier term may still hold it for a moment;
// this relay holds the leader lock, so any such walsender is a leftover and is terminated.
func (r *Relay) dropSlot(ctx context.Context, conn *pgconn.PgConn) error {
	err := retry.Do(ctx, retry.Policy{Initial: 100 * time.Millisecond, Max: time.Second, MaxTries: 20}, func() error {
		_, err := query(ctx, conn, `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
			WHERE slot_name = $1 AND active_pid IS NOT NULL`, r.opts.Slot)
		if err != nil {
			return err
		}
		_, err = query(ctx, conn, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, r.opts.Slot)
		return err
	}, nil)
	if err != nil {
		return fmt.Errorf("drop replication slot %s: %w", r.opts.Slot, err)
	}
	r.log.Warn("dropped replication slot", "slot", r.opts.Slot)
	return nil
}

// backfill publishes the outbox rows present while a backfill is marked, in id order and in
// batches, deleting each batch once Kafka acknowledged it; it clears the mark at the end. A
// term that dies half-way leaves the mark and the unpublished rows, so the next term resumes.
// Rows that are also in the slot's stream are published twice, which workers tolerate.
func (r *Relay) backfill(ctx context.Context, prod Producer) error {
	pending, reason, err := r.opts.Store.BackfillPending(ctx, r.opts.Slot)
	if err != nil || !pending {
		return err
	}
	// Rows above the highest id present now were committed after the repair, hence are in
	// the stream: stopping there keeps a busy outbox from making the backfill endless.
	high, err := r.opts.Store.OutboxHighWater(ctx)
	if err != nil {
		return fmt.Errorf("backfill: %w", err)
	}
	var after int64
	published := 0
	for after < high {
		rows, err := r.opts.Store.DispatchBatch(ctx, after, backfillBatch)
		if err != nil {
			return fmt.Errorf("backfill: %w", err)
		}
		if len(rows) == 0 {
			break
		}
		msgs := make([]queue.Message, 0, len(rows))
		ids := make([]int64, 0, len(rows))
		for _, d := range rows {
			if d.ID > high {
				break
			}
			msgs = append(msgs, queue.Message{ID: d.SubmissionID, Language: d.Language, Problem: d.Problem,
				Attempt: d.Attempt, EnqueuedAt: d.EnqueuedAt.UTC()})
			ids = append(ids, d.ID)
		}
		if len(msgs) == 0 {
			break
		}
		if err := prod.Send(msgs); err != nil {
			return fmt.Errorf("backfill (%s): publish %d outbox rows: %w", reason, len(msgs), err)
		}
		if err := r.opts.Store.DeleteDispatched(ctx, ids); err != nil {
			return fmt.Errorf("backfill: %w", err)
		}
		published += len(msgs)
		after = ids[len(ids)-1]
	}
	if err := r.opts.Store.EndBackfill(ctx, r.opts.Slot, published); err != nil {
		return err
	}
	r.log.Info("backfilled the outbox", "reason", reason, "rows", published)
	return nil
}

// maintain runs beside the stream for the whole term: it pings the lock connection every
// RetryInterval (a lost connection is a lost lock) and every CheckInterval inspects the slot
// and publication and reconciles the outbox. A state the stream cannot survive ends the term
// with errRepair; the next term's prepare repairs it.
func (r *Relay) maintain(ctx context.Context, cancel context.CancelCauseFunc, conn *pgconn.PgConn, prod Producer) {
	t := time.NewTicker(r.opts.RetryInterval)
	defer t.Stop()
	nextCheck := time.Now().Add(r.opts.CheckInterval)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if time.Now().Before(nextCheck) {
			pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil && ctx.Err() == nil {
				cancel(fmt.Errorf("leader lock connection lost: %w", err))
				return
			}
			continue
		}
		nextCheck = time.Now().Add(r.opts.CheckInterval)
		if err := r.check(ctx, conn, prod); err != nil && ctx.Err() == nil {
			cancel(err)
			return
		}
	}
}

// check is one inspection and reconciliation pass of the leader. Errors of the outbox work
// are logged and retried next pass; an error returned ends the term.
func (r *Relay) check(ctx context.Context, conn *pgconn.PgConn, prod Producer) error {
	cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
	in, err := r.inspect(cctx, conn)
	ccancel()
	if err != nil {
		return fmt.Errorf("leader lock connection lost: %w", err)
	}
	if in.needsNewTerm() {
		r.record(ctx, in)
		r.log.Warn("replication slot or publication broken; restarting the term to repair it",
			"slot", r.opts.Slot, "slot_status", in.slot, "publication", in.publication)
		return fmt.Errorf("%w: slot %s, publication %s", errRepair, in.slot, in.publication)
	}
	if in.publication != statusOK {
		if err := r.repairPublication(ctx, conn, in.publication); err != nil {
			return err
		}
		in.publication = statusOK
	}
	r.record(ctx, in)
	if err := r.backfill(ctx, prod); err != nil {
		r.log.Warn("backfill", "err", err)
	}
	r.reconcile(ctx)
	return nil
}

// reconcile re-dispatches queued submissions whose dispatch is older than the deadline and
// deletes outbox rows that are obsolete.
func (r *Relay) reconcile(ctx context.Context) {
	ids, err := r.opts.Store.RedispatchStale(ctx, r.opts.Slot, r.opts.RedispatchAfter, redispatchBatch)
	switch {
	case err != nil:
		r.log.Warn("reconciler: re-dispatch", "err", err)
	case len(ids) > 0:
		r.log.Warn("reconciler: re-dispatched queued submissions with no live dispatch", "count", len(ids),
			"after", r.opts.RedispatchAfter, "first", ids[0])
	}
	n, err := r.opts.Store.DeleteObsoleteDispatch(ctx, r.opts.Slot, obsoleteAge)
	switch {
	case err != nil:
		r.log.Warn("reconciler: delete obsolete outbox rows", "err", err)
	case n > 0:
		r.log.Info("reconciler: deleted obsolete outbox rows", "rows", n)
	}
}

func (r *Relay) recordCheck(ctx context.Context, conn *pgconn.PgConn) {
	in, err := r.inspect(ctx, conn)
	if err != nil {
		r.log.Warn("inspect", "err", err)
		return
	}
	r.record(ctx, in)
}

func (r *Relay) record(ctx context.Context, in inspection) {
	err := r.opts.Store.RecordRelayCheck(ctx, store.RelayCheck{Slot: r.opts.Slot, Holder: r.opts.Holder,
		SlotStatus: in.slot, PublicationStatus: in.publication})
	if err != nil {
		r.log.Warn("record relay check", "err", err)
	}
}
