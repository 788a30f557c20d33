package cdc

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/judge-dev/judge/pkg/queue"
)

// session is one replication connection of a leadership term.
type session struct {
	r    *Relay
	prod Producer
	conn *pgconn.PgConn
	dec  *decoder

	// confirmed is the highest position whose effects Kafka holds; the only value ever sent
	// to the server as written, flushed and applied.
	confirmed pglogrepl.LSN
	// inTx is set between Begin and Commit; a heartbeat's position is only confirmed outside.
	inTx       bool
	commitTime time.Time
	pending    []pending
	// ready holds committed transactions not produced yet. While more of the stream is
	// already buffered, commits are gathered and produced together: one Kafka request and one
	// wait for its acknowledgements instead of one per transaction, which is what lets a
	// relay that fell behind catch up. It is produced before the loop waits for the server.
	ready ready

	lastData     time.Time
	nextStatus   time.Time
	progress     *progress
	acked        []int64
	lastProgress time.Time
}

// pending is one decoded outbox row waiting for its transaction's commit.
type pending struct {
	dispatchID int64
	msg        queue.Message
}

// ready is a batch of committed transactions waiting to be produced.
type ready struct {
	msgs []queue.Message
	ids  []int64
	txs  []readyTx
}

// readyTx is one transaction of a ready batch.
type readyTx struct {
	rows       int
	endLSN     pglogrepl.LSN
	commitTime time.Time
}

// maxReadyRows bounds a batch, so a stream that never pauses is still produced and confirmed.
const maxReadyRows = 500

// progress is the newest acknowledgement not yet written to relay_state.
type progress struct {
	lsn        pglogrepl.LSN
	commitTime time.Time
	ackTime    time.Time
}

func newSession(ctx context.Context, r *Relay, prod Producer) (*session, error) {
	conn, err := connect(ctx, replicationDSN(r.opts.DSN))
	if err != nil {
		return nil, fmt.Errorf("replication connection: %w", err)
	}
	args := []string{
		"proto_version '1'",
		fmt.Sprintf("publication_names '%s'", r.opts.Publication),
		"messages 'true'",
	}
	// Start position 0: the server resumes from the slot's confirmed position.
	if err := pglogrepl.StartReplication(ctx, conn, r.opts.Slot, 0, pglogrepl.StartReplicationOptions{PluginArgs: args}); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("start replication on slot %s: %w", r.opts.Slot, err)
	}
	now := time.Now()
	return &session{r: r, prod: prod, conn: conn, dec: newDecoder(),
		lastData: now, nextStatus: now.Add(r.opts.StandbyInterval)}, nil
}

// close ends the replication connection. Rows Kafka acknowledged since the last flush are
// trimmed first, so a term change leaves no published rows behind (the reconciler would
// delete them later anyway).
func (s *session) close() {
	if len(s.acked) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.r.opts.Store.DeleteDispatched(ctx, s.acked); err != nil {
			s.r.log.Warn("trim outbox at the end of the term", "err", err)
		}
		cancel()
	}
	s.conn.Close(context.Background())
}

func (s *session) run(ctx context.Context) error {
	for {
		// Nothing more is buffered: produce what was gathered before waiting for the server.
		if s.conn.Frontend().ReadBufferLen() == 0 {
			if err := s.produceReady(); err != nil {
				return err
			}
		}
		if err := s.tick(ctx); err != nil {
			return err
		}
		rctx, cancel := context.WithDeadline(ctx, s.wakeAt())
		raw, err := s.conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if pgconn.Timeout(err) {
				continue
			}
			return fmt.Errorf("receive replication message: %w", err)
		}
		if err := s.handle(ctx, raw); err != nil {
			return err
		}
	}
}

// wakeAt is when the loop must stop waiting for data to send a status update or a heartbeat.
func (s *session) wakeAt() time.Time {
	hb := s.lastData.Add(s.r.opts.HeartbeatInterval)
	if s.nextStatus.Before(hb) {
		return s.nextStatus
	}
	return hb
}

// tick does the periodic work: status updates, idle heartbeats, relay_state.
func (s *session) tick(ctx context.Context) error {
	now := time.Now()
	if !now.Before(s.nextStatus) {
		if err := s.sendStatus(false); err != nil {
			return err
		}
	}
	if now.Sub(s.lastData) >= s.r.opts.HeartbeatInterval {
		s.lastData = now
		if err := s.r.opts.Store.EmitRelayHeartbeat(ctx, heartbeatPrefix); err != nil {
			s.r.log.Warn("relay heartbeat", "err", err)
		}
	}
	if s.progress != nil && now.Sub(s.lastProgress) >= time.Second {
		s.flushProgress(ctx)
	}
	return nil
}

func (s *session) sendStatus(replyRequested bool) error {
	s.nextStatus = time.Now().Add(s.r.opts.StandbyInterval)
	err := pglogrepl.SendStandbyStatusUpdate(context.Background(), s.conn, pglogrepl.StandbyStatusUpdate{
		WALWritePosition: s.confirmed,
		WALFlushPosition: s.confirmed,
		WALApplyPosition: s.confirmed,
		ReplyRequested:   replyRequested,
	})
	if err != nil {
		return fmt.Errorf("send standby status at %s: %w", s.confirmed, err)
	}
	return nil
}

func (s *session) handle(ctx context.Context, raw pgproto3.BackendMessage) error {
	switch m := raw.(type) {
	case *pgproto3.ErrorResponse:
		return fmt.Errorf("replication stream: %s (%s)", m.Message, m.Code)
	case *pgproto3.CopyData:
		if len(m.Data) == 0 {
			return nil
		}
		switch m.Data[0] {
		case pglogrepl.PrimaryKeepaliveMessageByteID:
			pkm, err := pglogrepl.ParsePrimaryKeepaliveMessage(m.Data[1:])
			if err != nil {
				return fmt.Errorf("parse keepalive: %w", err)
			}
			if pkm.ReplyRequested {
				return s.sendStatus(false)
			}
		case pglogrepl.XLogDataByteID:
			xld, err := pglogrepl.ParseXLogData(m.Data[1:])
			if err != nil {
				return fmt.Errorf("parse xlog data: %w", err)
			}
			s.lastData = time.Now()
			return s.handleLogical(ctx, xld.WALData)
		}
	}
	return nil
}

func (s *session) handleLogical(ctx context.Context, data []byte) error {
	msg, err := pglogrepl.Parse(data)
	if err != nil {
		return fmt.Errorf("parse pgoutput message: %w", err)
	}
	switch m := msg.(type) {
	case *pglogrepl.RelationMessage:
		s.dec.relation(m)
	case *pglogrepl.BeginMessage:
		s.inTx, s.commitTime, s.pending = true, m.CommitTime, s.pending[:0]
	case *pglogrepl.InsertMessage:
		p, ok, err := s.dec.insert(m)
		if err != nil {
			return err
		}
		if ok {
			s.pending = append(s.pending, p)
		}
	case *pglogrepl.CommitMessage:
		return s.commit(m)
	case *pglogrepl.LogicalDecodingMessage:
		// A heartbeat outside a transaction: everything before it was handled, so its
		// position can be confirmed.
		if !m.Transactional && !s.inTx && m.LSN > s.confirmed {
			if err := s.produceReady(); err != nil {
				return err
			}
			s.confirmed = max(s.confirmed, m.LSN)
			return s.sendStatus(false)
		}
	}
	return nil
}

// commit adds the transaction's rows to the ready batch, and produces the batch unless more of
// the stream is already buffered (then the next commits join it).
func (s *session) commit(m *pglogrepl.CommitMessage) error {
	s.inTx = false
	for _, p := range s.pending {
		s.ready.msgs = append(s.ready.msgs, p.msg)
		s.ready.ids = append(s.ready.ids, p.dispatchID)
	}
	s.ready.txs = append(s.ready.txs, readyTx{rows: len(s.pending), endLSN: m.TransactionEndLSN, commitTime: m.CommitTime})
	s.pending = s.pending[:0]
	if len(s.ready.msgs) < maxReadyRows && s.conn.Frontend().ReadBufferLen() > 0 {
		return nil
	}
	return s.produceReady()
}

// produceReady produces the ready batch, waits for every acknowledgement and only then confirms
// the end position of its last transaction.
func (s *session) produceReady() error {
	b := &s.ready
	if len(b.txs) == 0 {
		return nil
	}
	last := b.txs[len(b.txs)-1]
	if len(b.msgs) > 0 {
		if err := s.prod.Send(b.msgs); err != nil {
			return fmt.Errorf("%d transactions ending at %s: %w", len(b.txs), last.endLSN, err)
		}
		ack := time.Now()
		s.acked = append(s.acked, b.ids...)
		for _, tx := range b.txs {
			if tx.rows == 0 {
				continue
			}
			s.progress = &progress{lsn: tx.endLSN, commitTime: tx.commitTime, ackTime: ack}
			if s.r.opts.OnAck != nil {
				s.r.opts.OnAck(Ack{Rows: tx.rows, EndLSN: tx.endLSN.String(), CommitTime: tx.commitTime, AckTime: ack})
			}
		}
	}
	if last.endLSN > s.confirmed {
		s.confirmed = last.endLSN
	}
	// The producer may keep the messages it was given; the other slices are only read here.
	b.msgs, b.ids, b.txs = nil, b.ids[:0], b.txs[:0]
	return s.sendStatus(false)
}

// flushProgress records the relay's state and trims acknowledged outbox rows; failures are
// logged, not fatal: neither is needed for correctness.
func (s *session) flushProgress(ctx context.Context) {
	p := s.progress
	s.lastProgress = time.Now()
	err := s.r.opts.Store.RecordRelayProgress(ctx, storeProgress(s.r.opts.Holder, p))
	if err != nil {
		s.r.log.Warn("record relay progress", "err", err)
		return
	}
	if err := s.r.opts.Store.DeleteDispatched(ctx, s.acked); err != nil {
		s.r.log.Warn("trim outbox", "err", err)
		return
	}
	s.progress, s.acked = nil, s.acked[:0]
}
