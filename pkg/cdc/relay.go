// Package cdc owns the relay: it reads the `dispatch` outbox from PostgreSQL's logical
// replication stream (pgoutput, over jackc/pglogrepl because lib/pq cannot speak the
// replication protocol) and produces one Kafka record per inserted row.
//
// Delivery is at-least-once: a transaction is buffered until its Commit, every record is
// produced and acknowledged, and only then is the transaction's end LSN confirmed to the slot.
// A crash anywhere before the confirmation replays the transaction from the slot; workers
// detect the duplicate in PostgreSQL. One relay is active per database, elected with a
// session-level advisory lock; standbys retry the lock every second.
package cdc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/judge-dev/judge/pkg/queue"
	"github.com/judge-dev/judge/pkg/store"
)

// Defaults of the contract (DESIGN.md, PostgreSQL).
const (
	DefaultPublication = "judge_submissions"
	DefaultSlot        = "judge_relay"
	heartbeatPrefix    = "judge.relay.heartbeat"
)

// Producer sends a batch of records and returns once every one is acknowledged, or fails.
// sarama.SyncProducer satisfies it.
type Producer interface {
	SendMessages(msgs []*sarama.ProducerMessage) error
	Close() error
}

// Ack describes one transaction whose records Kafka acknowledged.
type Ack struct {
	Rows       int
	EndLSN     string
	CommitTime time.Time
	AckTime    time.Time
}

// Options configure a Relay. DSN, Store, Topic and NewProducer are required.
type Options struct {
	// DSN of the database (lib/pq URL or key=value); the relay adds replication=database.
	DSN   string
	Store *store.Store
	Topic string
	// NewProducer makes a fresh producer for each leadership term, so a producer broken by a
	// Kafka outage is not reused.
	NewProducer func() (Producer, error)
	// Holder names this relay in relay_state and logs; default host-pid.
	Holder      string
	Publication string
	Slot        string
	// RetryInterval is how often a standby retries the leader lock and how long a failed
	// term waits before the next; default 1s.
	RetryInterval time.Duration
	// StandbyInterval is the period of status updates to the server; default 5s.
	StandbyInterval time.Duration
	// HeartbeatInterval is the idle time after which a heartbeat message is emitted; default 10s.
	HeartbeatInterval time.Duration
	// OnAck, if set, is called after each acknowledged transaction (benchmarks, metrics).
	OnAck  func(Ack)
	Logger *slog.Logger
}

// Relay publishes the outbox to Kafka. Build it with New and run it with Run.
type Relay struct {
	opts Options
	log  *slog.Logger
}

// New checks opts and fills the defaults.
func New(opts Options) (*Relay, error) {
	var errs []error
	if opts.DSN == "" {
		errs = append(errs, errors.New("relay: database DSN is empty"))
	}
	if opts.Store == nil {
		errs = append(errs, errors.New("relay: store is nil"))
	}
	if opts.Topic == "" {
		errs = append(errs, errors.New("relay: kafka topic is empty"))
	}
	if opts.NewProducer == nil {
		errs = append(errs, errors.New("relay: no producer factory"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if opts.Holder == "" {
		host, _ := os.Hostname()
		opts.Holder = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if opts.Publication == "" {
		opts.Publication = DefaultPublication
	}
	if opts.Slot == "" {
		opts.Slot = DefaultSlot
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = time.Second
	}
	if opts.StandbyInterval <= 0 {
		opts.StandbyInterval = 5 * time.Second
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Relay{opts: opts, log: opts.Logger.With("role", "relay", "holder", opts.Holder)}, nil
}

// Run waits for leadership, relays until the term fails, and tries again, until ctx ends.
// It returns nil when ctx is cancelled.
func (r *Relay) Run(ctx context.Context) error {
	standbyLogged := false
	for {
		led, err := r.term(ctx)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case err != nil:
			r.log.Warn("relay term ended", "err", err)
			standbyLogged = false
		case !led && !standbyLogged:
			r.log.Info("another relay holds the lock; standing by")
			standbyLogged = true
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(r.opts.RetryInterval):
		}
	}
}

// term takes the leader lock if free and relays while holding it. led reports whether the
// lock was taken.
func (r *Relay) term(ctx context.Context) (led bool, err error) {
	lockConn, err := connect(ctx, r.opts.DSN)
	if err != nil {
		return false, fmt.Errorf("connect for leader lock: %w", err)
	}
	defer lockConn.Close(context.WithoutCancel(ctx))
	got, err := tryLock(ctx, lockConn, r.lockName())
	if err != nil || !got {
		return false, err
	}
	r.log.Info("relay is the leader", "slot", r.opts.Slot)

	tctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	prod, err := r.opts.NewProducer()
	if err != nil {
		return true, fmt.Errorf("kafka producer: %w", err)
	}
	defer prod.Close()
	created, err := r.setup(tctx, lockConn)
	if err != nil {
		return true, err
	}
	if created {
		if err := r.backfill(tctx, prod); err != nil {
			return true, err
		}
	}
	// Losing the lock connection means losing the lock: another relay may already lead. The
	// watch starts only now because a connection serves one query at a time.
	go watchLock(tctx, cancel, lockConn, r.opts.RetryInterval)
	s, err := newSession(tctx, r, prod)
	if err != nil {
		return true, err
	}
	defer s.close()
	err = s.run(tctx)
	if cause := context.Cause(tctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return true, cause
	}
	return true, err
}

func (r *Relay) lockName() string { return "judge.relay:" + r.opts.Slot }

func tryLock(ctx context.Context, conn *pgconn.PgConn, name string) (bool, error) {
	rows, err := query(ctx, conn, `SELECT pg_try_advisory_lock(hashtext($1))`, name)
	if err != nil {
		return false, fmt.Errorf("take leader lock: %w", err)
	}
	return len(rows) == 1 && string(rows[0][0]) == "t", nil
}

func watchLock(ctx context.Context, cancel context.CancelCauseFunc, conn *pgconn.PgConn, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		err := conn.Ping(pctx)
		pcancel()
		if err != nil && ctx.Err() == nil {
			cancel(fmt.Errorf("leader lock connection lost: %w", err))
			return
		}
	}
}

// setup creates the publication and the slot if absent; only the leader runs it. created
// reports a new slot.
func (r *Relay) setup(ctx context.Context, conn *pgconn.PgConn) (created bool, err error) {
	rows, err := query(ctx, conn, `SELECT 1 FROM pg_publication WHERE pubname = $1`, r.opts.Publication)
	if err != nil {
		return false, fmt.Errorf("look up publication %s: %w", r.opts.Publication, err)
	}
	if len(rows) == 0 {
		q := fmt.Sprintf(`CREATE PUBLICATION %s FOR TABLE dispatch WITH (publish = 'insert')`, quoteIdent(r.opts.Publication))
		if _, err := conn.Exec(ctx, q).ReadAll(); err != nil && !isDuplicate(err) {
			return false, fmt.Errorf("create publication %s: %w", r.opts.Publication, err)
		}
		r.log.Info("created publication", "publication", r.opts.Publication)
	}
	rows, err = query(ctx, conn, `SELECT database = current_database() FROM pg_replication_slots WHERE slot_name = $1`, r.opts.Slot)
	if err != nil {
		return false, fmt.Errorf("look up replication slot %s: %w", r.opts.Slot, err)
	}
	if len(rows) == 1 && string(rows[0][0]) != "t" {
		return false, fmt.Errorf("replication slot %s belongs to another database of this PostgreSQL cluster: give this relay its own slot name (judged relay --slot NAME)", r.opts.Slot)
	}
	if len(rows) == 0 {
		q := `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`
		if _, err := query(ctx, conn, q, r.opts.Slot); err != nil && !isDuplicate(err) {
			return false, fmt.Errorf("create replication slot %s: %w (PostgreSQL needs wal_level=logical)", r.opts.Slot, err)
		}
		r.log.Info("created replication slot", "slot", r.opts.Slot)
		created = true
	}
	return created, nil
}

// backfill publishes the outbox rows that are still present when the slot is created: those
// committed before it are not in its stream. Rows committed after it are published twice,
// which consumers tolerate.
func (r *Relay) backfill(ctx context.Context, prod Producer) error {
	rows, err := r.opts.Store.PendingDispatch(ctx)
	if err != nil || len(rows) == 0 {
		return err
	}
	dec := newDecoder(r.opts.Topic)
	msgs := make([]*sarama.ProducerMessage, 0, len(rows))
	ids := make([]int64, 0, len(rows))
	for _, d := range rows {
		m, err := dec.message(queue.Message{ID: d.SubmissionID, Language: d.Language, Problem: d.Problem,
			Attempt: d.Attempt, EnqueuedAt: d.EnqueuedAt.UTC()})
		if err != nil {
			return fmt.Errorf("outbox row %d: %w", d.ID, err)
		}
		msgs = append(msgs, m)
		ids = append(ids, d.ID)
	}
	if err := prod.SendMessages(msgs); err != nil {
		return fmt.Errorf("publish %d outbox rows older than the slot: %w", len(msgs), producerError(err))
	}
	r.log.Info("published outbox rows older than the slot", "rows", len(msgs))
	return r.opts.Store.DeleteDispatched(ctx, ids)
}

// query runs one parameterised statement with text parameters and returns its rows as text.
func query(ctx context.Context, conn *pgconn.PgConn, sql string, args ...string) ([][][]byte, error) {
	params := make([][]byte, len(args))
	for i, a := range args {
		params[i] = []byte(a)
	}
	res := conn.ExecParams(ctx, sql, params, nil, nil, nil).Read()
	return res.Rows, res.Err
}

func isDuplicate(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42710"
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// replicationDSN adds replication=database to a URL or key=value DSN.
func replicationDSN(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if strings.Contains(dsn, "?") {
			return dsn + "&replication=database"
		}
		return dsn + "?replication=database"
	}
	return dsn + " replication=database"
}
