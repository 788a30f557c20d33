// Command pipeline measures the relay's lag: the time from a transaction's commit in
// PostgreSQL to Kafka's acknowledgement of its records, at an offered rate of single-submission
// transactions (what the API writes). It runs the real relay (pkg/cdc) in-process against the
// local stack, on a database, slot and topic of its own that it removes afterwards.
//
//	go run ./bench/pipeline -rate 30 -duration 60s
//
// End-to-end latency (POST → verdict) is measured with `judgectl bench` against `judged all`;
// see docs/benchmarks.md.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/judge-dev/judge/pkg/cdc"
	"github.com/judge-dev/judge/pkg/config"
	"github.com/judge-dev/judge/pkg/queue"
	"github.com/judge-dev/judge/pkg/store"
)

func main() {
	rate := flag.Float64("rate", 30, "transactions (submissions) per second")
	duration := flag.Duration("duration", 60*time.Second, "how long to insert")
	flag.Parse()
	if err := run(*rate, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline bench:", err)
		os.Exit(1)
	}
}

func run(rate float64, duration time.Duration) error {
	if rate <= 0 || duration <= 0 {
		return fmt.Errorf("-rate and -duration must be positive")
	}
	cfg, err := config.Load(config.Sources{})
	if err != nil {
		return err
	}
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	if err := cfg.RequireKafka(); err != nil {
		return err
	}
	ctx := context.Background()
	name := fmt.Sprintf("bench_pipeline_%d", time.Now().UnixNano())
	dsn, cleanup, err := createDatabase(ctx, cfg.DatabaseURL, name)
	if err != nil {
		return err
	}
	defer cleanup()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := store.Migrate(ctx, st.DB()); err != nil {
		return err
	}
	topic := "bench-" + name
	if err := queue.EnsureTopic(ctx, cfg.KafkaBrokers, topic, 12); err != nil {
		return err
	}
	defer deleteTopic(cfg.KafkaBrokers, topic)

	var mu sync.Mutex
	lag := hdrhistogram.New(1, 60_000_000, 3) // microseconds
	acked := 0
	r, err := cdc.New(cdc.Options{DSN: dsn, Store: st, Slot: name,
		NewProducer: func() (cdc.Producer, error) { return queue.NewProducer(cfg.KafkaBrokers, "bench", topic) },
		OnAck: func(a cdc.Ack) {
			mu.Lock()
			defer mu.Unlock()
			lag.RecordValue(max(a.AckTime.Sub(a.CommitTime).Microseconds(), 1))
			acked += a.Rows
		},
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	rctx, stop := context.WithCancel(ctx)
	relayDone := make(chan error, 1)
	go func() { relayDone <- r.Run(rctx) }()
	defer func() { stop(); <-relayDone }()
	if err := waitStreaming(ctx, st.DB(), name); err != nil {
		return err
	}

	var token int64
	if err := st.DB().QueryRowContext(ctx, `INSERT INTO api_tokens (name, role, token_hash) VALUES ('bench', 'admin', 'h') RETURNING id`).Scan(&token); err != nil {
		return err
	}
	n := int(rate * duration.Seconds())
	start := time.Now()
	for i := range n {
		if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
		_, err := st.CreateSubmission(ctx, store.NewSubmission{OwnerTokenID: token, Owner: "bench", Language: "python3", Source: "print(1)"})
		if err != nil {
			return err
		}
	}
	sent := time.Since(start)
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		done := acked
		mu.Unlock()
		if done >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	ms := func(us int64) string { return fmt.Sprintf("%.1fms", float64(us)/1000) }
	fmt.Printf("relay lag (commit → Kafka ack), %d transactions offered at %.0f/s over %s (%.1f/s achieved), %d acknowledged\n",
		n, rate, duration, float64(n)/sent.Seconds(), acked)
	fmt.Printf("p50 %s  p90 %s  p99 %s  max %s\n", ms(lag.ValueAtQuantile(50)), ms(lag.ValueAtQuantile(90)),
		ms(lag.ValueAtQuantile(99)), ms(lag.Max()))
	if acked < n {
		return fmt.Errorf("only %d of %d transactions acknowledged within 30s of the last insert", acked, n)
	}
	return nil
}

// createDatabase makes a database on the server of adminDSN and returns its DSN and a cleanup
// that drops it with its replication slot.
func createDatabase(ctx context.Context, adminDSN, name string) (string, func(), error) {
	admin, err := sql.Open("postgres", adminDSN)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(adminDSN)
	if err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("the database URL must be a postgres:// URL: %w", err)
	}
	u.Path = "/" + name
	cleanup := func() {
		for range 50 {
			admin.Exec(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`, name)
			if _, err := admin.Exec(`SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1`, name); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "drop database:", err)
		}
		admin.Close()
	}
	return u.String(), cleanup, nil
}

func waitStreaming(ctx context.Context, db *sql.DB, slot string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
			WHERE s.slot_name = $1`, slot).Scan(&n)
		if err == nil && n == 1 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the relay did not start streaming slot %s within 30s", slot)
}

func deleteTopic(brokers []string, topic string) {
	if err := queue.DeleteTopic(context.Background(), brokers, topic); err != nil {
		fmt.Fprintln(os.Stderr, "delete topic:", err)
	}
}
