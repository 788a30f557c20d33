// Package cdc owns the relay: it reads the `dispatch` outbox from PostgreSQL's logical
// replication stream (pgoutput, over jackc/pglogrepl because lib/pq cannot speak the
// replication protocol) and produces one Kafka record per inserted row.
//
// Delivery is at-least-once: a transaction is buffered until its Commit, every record is
// produced and acknowledged, and only then is the transaction's end LSN confirmed to the slot.
// Transactions already buffered behind one another are produced as one batch, and the last
// one's end LSN confirmed after the batch's acks. A crash anywhere before the confirmation
// replays the transactions from the slot; workers detect the duplicate in PostgreSQL. One relay is active per database, elected with a
// session-level advisory lock; standbys retry the lock every second.
//
// The leader also reconciles (reconcile.go): it repairs a slot that was dropped or invalidated
// and a publication that drifted, publishes the outbox rows such a gap hid (a backfill that a
// later term resumes if this one dies), re-dispatches queued submissions whose Kafka record
// was lost, and deletes outbox rows nobody needs any more.
package cdc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/queue"
	"github.com/judge-dev/judge/pkg/store"
)

// Defaults of the contract (DESIGN.md, PostgreSQL).
const (
	DefaultPublication = "judge_submissions"
	DefaultSlot        = config.DefaultSlot
	heartbeatPrefix    = "judge.relay.heartbeat"
)

// Producer sends a batch of messages and returns once every one is acknowledged, or fails.
// *queue.Producer satisfies it.
type Producer interface {
	Send(msgs []queue.Message) error
	Close() error
}

// Ack describes one transaction whose records Kafka acknowledged.
type Ack struct {
	Rows       int
	EndLSN     string
	CommitTime time.Time
	AckTime    time.Time
}

// Options configure a Relay. DSN, Store and NewProducer are required.
type Options struct {
	// DSN of the database (lib/pq URL or key=value); the relay adds replication=database.
	DSN   string
	Store Store
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
	// CheckInterval is the period of the leader's inspection of the slot and the publication
	// and of its outbox reconciliation; default 10s.
	CheckInterval time.Duration
	// RedispatchAfter is how long a submission may stay queued after its last dispatch before
	// it is dispatched again (its Kafka record may be gone); default 2m. Each re-dispatch of
	// the submission doubles it, up to 32 times.
	RedispatchAfter time.Duration
	// OnAck, if set, is called after each acknowledged transaction (benchmarks, metrics).
	OnAck  func(Ack)
	Logger *slog.Logger
}

// Store is what a relay needs of the database; *store.Store satisfies it.
type Store interface {
	RecordRelayProgress(ctx context.Context, p store.RelayProgress) error
	DeleteDispatched(ctx context.Context, ids []int64) error
	EmitRelayHeartbeat(ctx context.Context, prefix string) error
	OutboxHighWater(ctx context.Context) (int64, error)
	DispatchBatch(ctx context.Context, afterID int64, limit int) ([]store.DispatchRow, error)
	ListRelayHealth(ctx context.Context) ([]store.RelayHealth, error)
	BeginBackfill(ctx context.Context, slot, reason string) error
	BackfillPending(ctx context.Context, slot string) (pending bool, reason string, err error)
	EndBackfill(ctx context.Context, slot string, published int) error
	RecordRelayRepair(ctx context.Context, slot, holder, what string) error
	RecordRelayCheck(ctx context.Context, c store.RelayCheck) error
	RedispatchStale(ctx context.Context, slot string, deadline time.Duration, limit int) ([]string, error)
	DeleteObsoleteDispatch(ctx context.Context, slot string, age time.Duration) (int, error)
}

// Relay publishes the outbox to Kafka. Build it with New and run it with Run.
type Relay struct {
	opts   Options
	log    *slog.Logger
	status status
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
	if opts.CheckInterval <= 0 {
		opts.CheckInterval = config.DefaultRelayCheckInterval
	}
	if opts.RedispatchAfter <= 0 {
		opts.RedispatchAfter = config.DefaultRedispatchAfter
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Relay{opts: opts, log: opts.Logger.With("role", "relay", "holder", opts.Holder)}
	r.status.s = Status{State: StateStarting, Slot: opts.Slot, Holder: opts.Holder, Since: time.Now()}
	return r, nil
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
			r.status.set(StateFailing, err)
			standbyLogged = false
		case !led:
			r.status.set(StateStandby, nil)
			if !standbyLogged {
				r.log.Info("another relay holds the lock; standing by")
				standbyLogged = true
			}
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
	r.status.set(StateLeader, nil)

	tctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	prod, err := r.opts.NewProducer()
	if err != nil {
		return true, fmt.Errorf("kafka producer: %w", err)
	}
	defer prod.Close()
	if err := r.prepare(tctx, lockConn, prod); err != nil {
		return true, err
	}
	// Losing the lock connection means losing the lock: another relay may already lead. The
	// watch starts only now because a connection serves one query at a time; it also runs
	// the periodic inspection and reconciliation.
	maintained := make(chan struct{})
	go func() { defer close(maintained); r.maintain(tctx, cancel, lockConn, prod) }()
	// The lock connection and the producer are closed by the defers above: wait for maintain
	// to let go of them first.
	defer func() { cancel(nil); <-maintained }()
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
