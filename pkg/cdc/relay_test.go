package cdc_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/jackc/pglogrepl"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/cdc"
	"github.com/judge-dev/judge/pkg/queue"
	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

type fixture struct {
	// redispatchAfter is the relays' RedispatchAfter; default 1h (never, in a test).
	redispatchAfter time.Duration
	st              *store.Store
	brokers         []string
	topic           string
	slot            string
	token           int64
	got             *collector
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := storetest.New(t)
	f := &fixture{st: st, brokers: testenv.KafkaBrokers(t), topic: testenv.NewTopic(t, 3), redispatchAfter: time.Hour}
	// Slots are cluster-wide; the test database's name makes this one unique.
	var db string
	if err := st.DB().QueryRow(`SELECT current_database()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	f.slot = "relay_" + strings.TrimPrefix(db, "judge_test_")
	err := st.DB().QueryRow(`INSERT INTO api_tokens (name, role, token_hash) VALUES ('t', 'admin', 'h') RETURNING id`).Scan(&f.token)
	if err != nil {
		t.Fatal(err)
	}
	f.got = consume(t, f.brokers, f.topic)
	return f
}

func (f *fixture) producer() (cdc.Producer, error) {
	return queue.NewProducer(f.brokers, "relay-test", f.topic)
}

func (f *fixture) relay(t *testing.T, holder string, newProducer func() (cdc.Producer, error)) (stop func()) {
	t.Helper()
	if newProducer == nil {
		newProducer = f.producer
	}
	r, err := cdc.New(cdc.Options{DSN: f.st.DSN(), Store: f.st, NewProducer: newProducer,
		Holder: holder, Slot: f.slot, Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), RetryInterval: 200 * time.Millisecond,
		HeartbeatInterval: time.Second, CheckInterval: 300 * time.Millisecond, RedispatchAfter: f.redispatchAfter})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("relay %s: %v", holder, err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitStreaming waits until a relay streams from the slot, so later inserts travel the
// replication path rather than the backfill of a new slot.
func (f *fixture) waitStreaming(t *testing.T) {
	t.Helper()
	testenv.WaitFor(t, "the slot to be streamed", 30*time.Second, func() bool {
		// A slot being created shows as active too, so look for its walsender.
		var n int
		err := f.st.DB().QueryRow(`SELECT count(*) FROM pg_replication_slots s
			JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = $1`, f.slot).Scan(&n)
		return err == nil && n == 1
	})
}

// submit inserts n submissions, each with its dispatch row, in one transaction per call
// (rows>1 exercises multi-row transactions); it returns their ids.
func (f *fixture) submit(t *testing.T, n int, rollback bool) []string {
	t.Helper()
	tx, err := f.st.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range n {
		var id string
		err := tx.QueryRow(`INSERT INTO submissions (owner_token_id, owner, language, source, source_sha256)
			VALUES ($1, 't', 'python3', 'print(1)', 'x') RETURNING id`, f.token).Scan(&id)
		if err == nil {
			_, err = tx.Exec(`INSERT INTO dispatch (submission_id, attempt, language, problem) VALUES ($1, 1, 'python3', 'hello')`, id)
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if rollback {
		err = tx.Rollback()
	} else {
		err = tx.Commit()
	}
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (f *fixture) confirmedLSN(t *testing.T) pglogrepl.LSN {
	t.Helper()
	var s *string
	if err := f.st.DB().QueryRow(`SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1`, f.slot).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return 0
	}
	lsn, err := pglogrepl.ParseLSN(*s)
	if err != nil {
		t.Fatal(err)
	}
	return lsn
}

func (f *fixture) currentLSN(t *testing.T) pglogrepl.LSN {
	t.Helper()
	var s string
	if err := f.st.DB().QueryRow(`SELECT pg_current_wal_lsn()::text`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	lsn, err := pglogrepl.ParseLSN(s)
	if err != nil {
		t.Fatal(err)
	}
	return lsn
}

// collector reads every partition of a topic from the oldest offset.
type collector struct {
	mu   sync.Mutex
	msgs map[string][]queue.Message
	bad  []string
}

func consume(t *testing.T, brokers []string, topic string) *collector {
	t.Helper()
	c := &collector{msgs: map[string][]queue.Message{}}
	consumer, err := sarama.NewConsumer(brokers, queue.ConsumerConfig("relay-test-reader"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { consumer.Close() })
	parts, err := consumer.Partitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		var pc sarama.PartitionConsumer
		// A new topic's leadership can lag behind its metadata for a moment.
		testenv.WaitFor(t, "a consumer of the new topic", 30*time.Second, func() bool {
			pc, err = consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
			return err == nil
		})
		go func() {
			for m := range pc.Messages() {
				msg, err := queue.Unmarshal(m.Value)
				c.mu.Lock()
				if err != nil || string(m.Key) != msg.ID {
					c.bad = append(c.bad, fmt.Sprintf("key %s value %s: %v", m.Key, m.Value, err))
				} else {
					c.msgs[msg.ID] = append(c.msgs[msg.ID], msg)
				}
				c.mu.Unlock()
			}
		}()
	}
	return c
}

func (c *collector) has(ids ...string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if len(c.msgs[id]) == 0 {
			return false
		}
	}
	return true
}

func (c *collector) get(id string) []queue.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]queue.Message(nil), c.msgs[id]...)
}

func TestRelayPublishesCommittedInsertsOnly(t *testing.T) {
	f := newFixture(t)
	f.relay(t, "a", nil)
	f.waitStreaming(t)
	var want []string
	for range 10 {
		want = append(want, f.submit(t, 1, false)...)
	}
	want = append(want, f.submit(t, 3, false)...)
	rolledBack := f.submit(t, 2, true)
	want = append(want, f.submit(t, 1, false)...)

	testenv.WaitFor(t, "every committed submission on the topic", 30*time.Second, func() bool { return f.got.has(want...) })
	for _, id := range want {
		m := f.got.get(id)[0]
		if m.Language != "python3" || m.Problem != "hello" || m.Attempt != 1 || m.EnqueuedAt.IsZero() {
			t.Errorf("message for %s: %+v", id, m)
		}
	}
	for _, id := range rolledBack {
		if f.got.has(id) {
			t.Errorf("rolled-back submission %s was published", id)
		}
	}
	if len(f.got.bad) > 0 {
		t.Errorf("undecodable records: %v", f.got.bad)
	}
	end := f.currentLSN(t)
	testenv.WaitFor(t, "slot confirmed past the last commit", 30*time.Second, func() bool { return f.confirmedLSN(t) >= end })
	testenv.WaitFor(t, "relay_state written and outbox trimmed", 30*time.Second, func() bool {
		var holder string
		var left int
		err := f.st.DB().QueryRow(`SELECT holder, (SELECT count(*) FROM dispatch) FROM relay_state`).Scan(&holder, &left)
		return err == nil && holder == "a" && left == 0
	})
}

// failingProducer refuses every batch while fail is set, like a Kafka cluster that is down.
type failingProducer struct {
	cdc.Producer
	fail  *atomic.Bool
	tries *atomic.Int32
}

func (p failingProducer) Send(msgs []queue.Message) error {
	p.tries.Add(1)
	if p.fail.Load() {
		return errors.New("injected: kafka unavailable")
	}
	return p.Producer.Send(msgs)
}

func TestRelayConfirmsOnlyAfterAck(t *testing.T) {
	f := newFixture(t)
	var fail atomic.Bool
	var tries atomic.Int32
	fail.Store(true)
	f.relay(t, "a", func() (cdc.Producer, error) {
		p, err := f.producer()
		return failingProducer{Producer: p, fail: &fail, tries: &tries}, err
	})
	f.waitStreaming(t)
	ids := f.submit(t, 1, false)
	committed := f.currentLSN(t)
	testenv.WaitFor(t, "several failed produce attempts", 30*time.Second, func() bool { return tries.Load() >= 3 })
	if got := f.confirmedLSN(t); got >= committed {
		t.Fatalf("slot confirmed %s although Kafka never acknowledged the transaction ending before %s", got, committed)
	}
	if f.got.has(ids...) {
		t.Fatal("record published while the producer failed")
	}
	fail.Store(false)
	testenv.WaitFor(t, "the transaction replayed from the slot and published", 30*time.Second, func() bool { return f.got.has(ids...) })
	testenv.WaitFor(t, "slot confirmed after the ack", 30*time.Second, func() bool { return f.confirmedLSN(t) >= committed })
}

func TestRelayStandbyTakesOverAndNothingIsLost(t *testing.T) {
	f := newFixture(t)
	stopA := f.relay(t, "a", nil)
	f.waitStreaming(t)
	first := f.submit(t, 1, false)
	testenv.WaitFor(t, "relay a publishing", 30*time.Second, func() bool { return f.got.has(first...) })
	f.relay(t, "b", nil)
	time.Sleep(500 * time.Millisecond) // let b fail to take the lock at least once
	more := f.submit(t, 5, false)
	stopA()
	more = append(more, f.submit(t, 5, false)...)
	testenv.WaitFor(t, "relay b publishing everything", 30*time.Second, func() bool { return f.got.has(more...) })
	testenv.WaitFor(t, "relay_state showing b", 30*time.Second, func() bool {
		var holder string
		err := f.st.DB().QueryRow(`SELECT holder FROM relay_state`).Scan(&holder)
		return err == nil && holder == "b"
	})
}

func TestRelayResumesFromSlotAfterRestart(t *testing.T) {
	f := newFixture(t)
	stop := f.relay(t, "a", nil)
	f.waitStreaming(t)
	first := f.submit(t, 3, false)
	testenv.WaitFor(t, "first batch", 30*time.Second, func() bool { return f.got.has(first...) })
	stop()
	testenv.WaitFor(t, "the slot to be released", 30*time.Second, func() bool {
		var active bool
		err := f.st.DB().QueryRow(`SELECT active FROM pg_replication_slots WHERE slot_name = $1`, f.slot).Scan(&active)
		return err == nil && !active
	})
	whileDown := f.submit(t, 4, false)
	time.Sleep(300 * time.Millisecond)
	if f.got.has(whileDown[0]) {
		t.Fatal("published with no relay running")
	}
	f.relay(t, "a2", nil)
	testenv.WaitFor(t, "rows inserted while down", 30*time.Second, func() bool { return f.got.has(whileDown...) })
}

// WAL written by changes the relay does not publish must not pile up behind the slot: the idle
// heartbeat gives the relay a position to confirm.
func TestRelayIdleHeartbeatAdvancesTheSlot(t *testing.T) {
	f := newFixture(t)
	f.relay(t, "a", nil)
	f.waitStreaming(t)
	if _, err := f.st.DB().Exec(`CREATE TABLE unrelated (n int); INSERT INTO unrelated SELECT generate_series(1, 10000)`); err != nil {
		t.Fatal(err)
	}
	written := f.currentLSN(t)
	testenv.WaitFor(t, "the slot confirmed past WAL of unpublished changes", 30*time.Second, func() bool {
		return f.confirmedLSN(t) >= written
	})
}

// countingProducer counts the batches and records it is asked to produce.
type countingProducer struct {
	cdc.Producer
	sends, records *atomic.Int32
}

func (p countingProducer) Send(msgs []queue.Message) error {
	p.sends.Add(1)
	p.records.Add(int32(len(msgs)))
	return p.Producer.Send(msgs)
}

// A backlog (transactions committed while no relay ran) is produced in batches of several
// transactions, each record once, and the slot is confirmed past all of it.
func TestRelayBatchesABacklog(t *testing.T) {
	f := newFixture(t)
	stop := f.relay(t, "a", nil)
	f.waitStreaming(t)
	stop()
	testenv.WaitFor(t, "the slot to be released", 30*time.Second, func() bool {
		var active bool
		err := f.st.DB().QueryRow(`SELECT active FROM pg_replication_slots WHERE slot_name = $1`, f.slot).Scan(&active)
		return err == nil && !active
	})
	const txs = 60
	var want []string
	for range txs {
		want = append(want, f.submit(t, 1, false)...)
	}
	end := f.currentLSN(t)
	var sends, records atomic.Int32
	f.relay(t, "b", func() (cdc.Producer, error) {
		p, err := f.producer()
		return countingProducer{Producer: p, sends: &sends, records: &records}, err
	})
	testenv.WaitFor(t, "the backlog on the topic", 30*time.Second, func() bool { return f.got.has(want...) })
	testenv.WaitFor(t, "slot confirmed past the backlog", 30*time.Second, func() bool { return f.confirmedLSN(t) >= end })
	t.Logf("%d sends for %d transactions", sends.Load(), txs)
	if n := sends.Load(); n >= txs {
		t.Errorf("%d sends for a backlog of %d transactions: not batched", n, txs)
	}
	if n := records.Load(); n != txs {
		t.Errorf("%d records produced for %d transactions, want each once", n, txs)
	}
	for _, id := range want {
		if n := len(f.got.get(id)); n != 1 {
			t.Errorf("submission %s on the topic %d times, want once", id, n)
		}
	}
}
