package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

func TestOpenUnreachable(t *testing.T) {
	ctx := context.Background()
	_, err := store.Open(ctx, "postgres://judge@127.0.0.1:1/judge?sslmode=disable")
	if err == nil {
		t.Fatal("Open on port 1 succeeded")
	}
	if want := "cannot connect to 127.0.0.1:1: connection refused"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("error %v does not match ErrUnavailable", err)
	}
}

func TestMigrateConcurrentThenAgain(t *testing.T) {
	dsn := testenv.Postgres(t)
	ctx := context.Background()
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	// Two processes at once: separate pools, so separate sessions.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	results := make([]store.MigrateResult, 2)
	for i := range 2 {
		s, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = store.MigrateReport(ctx, s.DB())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrate %d: %v", i, err)
		}
	}
	if got := len(results[0].Applied) + len(results[1].Applied); got != len(ms) {
		t.Errorf("applied %d migrations in total, want %d (each exactly once): %v / %v", got, len(ms), results[0].Applied, results[1].Applied)
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	again, err := store.MigrateReport(ctx, s.DB())
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if len(again.Applied) != 0 || again.Version != ms[len(ms)-1].Version {
		t.Errorf("second migrate = %+v, want nothing applied at version %d", again, ms[len(ms)-1].Version)
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
	}
}

func TestErrorMapping(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	insert := func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (name, role, token_hash) VALUES ('a', 'admin', '\x01')`)
		return err
	}
	if err := s.Tx(ctx, insert); err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(ctx, insert); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate insert: %v, want ErrConflict", err)
	}
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		var x int
		return tx.QueryRowContext(ctx, `SELECT 1 FROM api_tokens WHERE id = -1`).Scan(&x)
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing row: %v, want ErrNotFound", err)
	}
	// A failed fn rolls back what it did.
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (name, role, token_hash) VALUES ('b', 'viewer', '\x02')`); err != nil {
			return err
		}
		return errors.New("boom")
	})
	if err == nil || err.Error() != "boom" {
		t.Errorf("Tx = %v, want boom", err)
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM api_tokens WHERE name = 'b'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("rolled back row present: n=%d err=%v", n, err)
	}
}

func TestAppendEventNotifies(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	var tokenID int64
	if err := s.DB().QueryRowContext(ctx, `INSERT INTO api_tokens (name, role, token_hash) VALUES ('w', 'admin', '\x03') RETURNING id`).Scan(&tokenID); err != nil {
		t.Fatal(err)
	}
	var subID string
	if err := s.DB().QueryRowContext(ctx, `INSERT INTO submissions (owner_token_id, owner, language, source, source_sha256)
		VALUES ($1, 'w', 'c', 'x', 'h') RETURNING id`, tokenID).Scan(&subID); err != nil {
		t.Fatal(err)
	}
	l, err := store.NewListener(s.DSN(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	select {
	case <-l.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("listener not ready within 10s")
	}

	var seq int64
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		seq, err = store.AppendEvent(ctx, tx, subID, store.Event{Type: store.EventStatus, Status: store.StatusRunning})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-l.C():
		n, err := store.ParseEventPayload(p)
		if err != nil || n.SubmissionID != subID || n.Seq != seq || n.After != 0 || !n.HasEvents() {
			t.Fatalf("notification %q = %+v, %v; want (%s, %d) after 0 with its event", p, n, err, subID, seq)
		}
		evs, err := n.Events()
		if err != nil || len(evs) != 1 || evs[0] != (store.Event{Seq: seq, Type: store.EventStatus, Status: store.StatusRunning, Attempt: 1}) {
			t.Errorf("delivered events = %+v, %v", evs, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification within 10s")
	}
	evs, err := s.EventsAfter(ctx, subID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Seq != seq || evs[0].Type != store.EventStatus || evs[0].Status != store.StatusRunning {
		t.Errorf("EventsAfter = %+v, want one status/running event with seq %d", evs, seq)
	}

	// The next notification names the event before it; one too large for a NOTIFY (compile
	// output, a test's output) is announced by id and seq only, for followers to read.
	big := strings.Repeat("x", 9000)
	var seq2 int64
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		seq2, err = store.AppendEvent(ctx, tx, subID, store.Event{Type: store.EventTest, Test: &store.TestResult{Index: 1, Stdout: big}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-l.C():
		n, err := store.ParseEventPayload(p)
		if err != nil || n.SubmissionID != subID || n.Seq != seq2 || n.HasEvents() {
			t.Errorf("large event's notification %.80q = %+v, %v; want (%s, %d) without events", p, n, err, subID, seq2)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification within 10s")
	}
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		_, err = store.AppendEvent(ctx, tx, subID, store.Event{Type: store.EventStatus, Status: store.StatusDone})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-l.C():
		n, err := store.ParseEventPayload(p)
		if err != nil || n.After != seq2 || !n.HasEvents() {
			t.Errorf("notification %q = %+v, %v; want its events after %d", p, n, err, seq2)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification within 10s")
	}
}

func TestParseEventPayload(t *testing.T) {
	for _, p := range []string{"", "abc", ":1", "abc:x", "abc:5:x:[]", "abc:5:3", "abc:5:3:{}", "abc:5:5:[]"} {
		if _, err := store.ParseEventPayload(p); err == nil || !strings.Contains(err.Error(), "payload") {
			t.Errorf("ParseEventPayload(%q) = %v, want an error", p, err)
		}
	}
	n, err := store.ParseEventPayload(store.EventPayload("u-1", 42))
	if err != nil || n.SubmissionID != "u-1" || n.Seq != 42 || n.HasEvents() {
		t.Errorf("round trip = %+v %v", n, err)
	}
	n, err = store.ParseEventPayload(`u-1:42:7:[{"seq": 41, "type": "test", "attempt": 2, "payload": {"type": "test", "test": {"index": 1, "name": "a:b", "verdict": "AC"}}},
		{"seq": 42, "type": "done", "attempt": 2, "payload": {"type": "done", "status": "done"}}]`)
	if err != nil || n.SubmissionID != "u-1" || n.Seq != 42 || n.After != 7 || !n.HasEvents() {
		t.Fatalf("long form = %+v %v", n, err)
	}
	evs, err := n.Events()
	if err != nil || len(evs) != 2 || evs[0].Seq != 41 || evs[0].Attempt != 2 || evs[0].Test == nil || evs[0].Test.Name != "a:b" ||
		evs[1] != (store.Event{Seq: 42, Type: store.EventDone, Status: store.StatusDone, Attempt: 2}) {
		t.Errorf("events = %+v, %v", evs, err)
	}
	// Events that do not end at the announced seq are refused, not half-trusted.
	n, err = store.ParseEventPayload(`u-1:43:7:[{"seq": 41, "type": "done", "attempt": 1, "payload": {"type": "done"}}]`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Events(); err == nil {
		t.Error("events ending before the seq accepted")
	}
}

func TestListenerCloseWithUnreadNotifications(t *testing.T) {
	s := storetest.New(t)
	l, err := store.NewListener(s.DSN(), nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("listener not ready within 10s")
	}
	// More notifications than the listener buffers, none read.
	if _, err := s.DB().Exec(`SELECT pg_notify($1, 'x:' || g) FROM generate_series(1, 400) g`, store.EventsChannel); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- l.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked")
	}
	// C is closed once the pump has drained and exited.
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-l.C():
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("C not closed 10s after Close")
		}
	}
}

func TestStatementTimeoutIsUnavailable(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = '50ms'`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `SELECT pg_sleep(5)`)
		return err
	})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("statement timeout: %v, want ErrUnavailable", err)
	}
}
