package testenv

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// TestPostgresLogicalReplication proves the stack's PostgreSQL decodes an INSERT through a
// pgoutput slot, which is what the relay depends on.
func TestPostgresLogicalReplication(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dsn := Postgres(t)

	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer db.Close(context.Background())
	for _, q := range []string{
		"CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL)",
		"CREATE PUBLICATION testenv_pub FOR TABLE notes WITH (publish = 'insert')",
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	repl := replicationConn(ctx, t, dsn)
	defer repl.Close(context.Background())
	slot, err := pglogrepl.CreateReplicationSlot(ctx, repl, "testenv_slot", "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication})
	if err != nil {
		t.Fatalf("create slot: %v", err)
	}
	start, err := pglogrepl.ParseLSN(slot.ConsistentPoint)
	if err != nil {
		t.Fatalf("slot consistent point %q: %v", slot.ConsistentPoint, err)
	}
	if err := pglogrepl.StartReplication(ctx, repl, "testenv_slot", start, pglogrepl.StartReplicationOptions{
		PluginArgs: []string{"proto_version '1'", "publication_names 'testenv_pub'"},
	}); err != nil {
		t.Fatalf("start replication: %v", err)
	}

	const body = "hello through the slot"
	if _, err := db.Exec(ctx, "INSERT INTO notes (id, body) VALUES (42, $1)", body); err != nil {
		t.Fatalf("insert: %v", err)
	}

	relations := map[uint32]*pglogrepl.RelationMessage{}
	for {
		raw, err := repl.ReceiveMessage(ctx)
		if err != nil {
			t.Fatalf("no INSERT decoded before %v", err)
		}
		if e, ok := raw.(*pgproto3.ErrorResponse); ok {
			t.Fatalf("replication error: %s", e.Message)
		}
		cd, ok := raw.(*pgproto3.CopyData)
		if !ok || len(cd.Data) == 0 || cd.Data[0] != pglogrepl.XLogDataByteID {
			continue // keepalives carry nothing to decode
		}
		xld, err := pglogrepl.ParseXLogData(cd.Data[1:])
		if err != nil {
			t.Fatalf("parse XLogData: %v", err)
		}
		msg, err := pglogrepl.Parse(xld.WALData)
		if err != nil {
			t.Fatalf("parse pgoutput message: %v", err)
		}
		switch m := msg.(type) {
		case *pglogrepl.RelationMessage:
			relations[m.RelationID] = m
		case *pglogrepl.InsertMessage:
			rel, ok := relations[m.RelationID]
			if !ok {
				t.Fatalf("INSERT for unknown relation %d", m.RelationID)
			}
			if rel.RelationName != "notes" {
				t.Fatalf("INSERT into %s, want notes", rel.RelationName)
			}
			got := map[string]string{}
			for i, col := range m.Tuple.Columns {
				got[rel.Columns[i].Name] = string(col.Data)
			}
			if got["id"] != "42" || got["body"] != body {
				t.Fatalf("decoded row %v, want id=42 body=%q", got, body)
			}
			return
		}
	}
}

// TestPostgresCleanupDropsDatabaseAndActiveSlots checks that Postgres' cleanup removes the
// database even while a walsender holds one of its slots.
func TestPostgresCleanupDropsDatabaseAndActiveSlots(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var name string
	var repl *pgconn.PgConn
	t.Run("use", func(t *testing.T) {
		dsn := Postgres(t)
		name = databaseName(t, dsn)
		repl = replicationConn(ctx, t, dsn)
		if _, err := pglogrepl.CreateReplicationSlot(ctx, repl, "left_behind", "pgoutput",
			pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication}); err != nil {
			t.Fatalf("create slot: %v", err)
		}
		// Streaming makes the slot active: dropping it now needs the walsender terminated.
		if err := pglogrepl.StartReplication(ctx, repl, "left_behind", 0, pglogrepl.StartReplicationOptions{
			PluginArgs: []string{"proto_version '1'", "publication_names 'none'"},
		}); err != nil {
			t.Fatalf("start replication: %v", err)
		}
	})
	if name == "" {
		t.Skip("the inner test did not get a database")
	}
	defer repl.Close(context.Background())

	admin, err := pgx.Connect(ctx, settingsOrSkip(t).DatabaseURL)
	if err != nil {
		t.Fatalf("connect to the stack: %v", err)
	}
	defer admin.Close(context.Background())
	var dbs, slots int
	err = admin.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_database WHERE datname = $1),
		(SELECT count(*) FROM pg_replication_slots WHERE database = $1)`, name).Scan(&dbs, &slots)
	if err != nil {
		t.Fatalf("query leftovers: %v", err)
	}
	if dbs != 0 || slots != 0 {
		t.Errorf("after cleanup: %d databases and %d slots named %s remain", dbs, slots, name)
	}
}

// TestKafkaIdempotentProduceConsumerGroup proves the broker accepts the producer settings of the
// design (idempotent, acks=all) and delivers to a consumer group.
func TestKafkaIdempotentProduceConsumerGroup(t *testing.T) {
	brokers := KafkaBrokers(t)
	topic := NewTopic(t, 3)

	pcfg := saramaConfig()
	pcfg.Producer.Idempotent = true
	pcfg.Producer.RequiredAcks = sarama.WaitForAll
	pcfg.Producer.Return.Successes = true
	pcfg.Producer.Retry.Max = 5
	pcfg.Net.MaxOpenRequests = 1
	prod, err := sarama.NewSyncProducer(brokers, pcfg)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer prod.Close()
	if _, _, err := prod.SendMessage(&sarama.ProducerMessage{
		Topic: topic, Key: sarama.StringEncoder("sub-1"), Value: sarama.StringEncoder(`{"id":"sub-1"}`),
	}); err != nil {
		t.Fatalf("produce: %v", err)
	}

	group := uniqueName("judge-test-group-")
	ccfg := saramaConfig()
	ccfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	ccfg.Consumer.Offsets.AutoCommit.Enable = false
	ccfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategySticky()}
	cg, err := sarama.NewConsumerGroup(brokers, group, ccfg)
	if err != nil {
		t.Fatalf("consumer group: %v", err)
	}
	t.Cleanup(func() { deleteGroup(t, brokers, group) })

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := &firstMessage{got: make(chan *sarama.ConsumerMessage, 1)}
	done := make(chan error, 1)
	go func() {
		var err error
		for ctx.Err() == nil && err == nil {
			err = cg.Consume(ctx, []string{topic}, h)
		}
		done <- err
	}()
	select {
	case m := <-h.got:
		if string(m.Key) != "sub-1" || string(m.Value) != `{"id":"sub-1"}` {
			t.Errorf("consumed key %q value %q, want sub-1 and {\"id\":\"sub-1\"}", m.Key, m.Value)
		}
	case <-ctx.Done():
		t.Fatal("no message consumed within a minute")
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("consume: %v", err)
	}
	if err := cg.Close(); err != nil {
		t.Errorf("close consumer group: %v", err)
	}
}

// firstMessage hands the first message it sees to got and commits it.
type firstMessage struct{ got chan *sarama.ConsumerMessage }

func (*firstMessage) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (*firstMessage) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *firstMessage) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for {
		select {
		case m, ok := <-c.Messages():
			if !ok {
				return nil
			}
			s.MarkMessage(m, "")
			s.Commit()
			select {
			case h.got <- m:
			default:
			}
		case <-s.Context().Done():
			return nil
		}
	}
}

func TestNewTopicIsDeletedAtCleanup(t *testing.T) {
	brokers := KafkaBrokers(t)
	var topic string
	t.Run("use", func(t *testing.T) { topic = NewTopic(t, 2) })
	if topic == "" {
		t.Skip("the inner test did not get a topic")
	}
	admin, err := sarama.NewClusterAdmin(brokers, saramaConfig())
	if err != nil {
		t.Fatalf("admin: %v", err)
	}
	defer admin.Close()
	// Deletion is asynchronous in the controller; the topic must disappear from the listing.
	deadline := time.Now().Add(30 * time.Second)
	for {
		topics, err := admin.ListTopics()
		if err != nil {
			t.Fatalf("list topics: %v", err)
		}
		if _, ok := topics[topic]; !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic %s still listed 30s after cleanup", topic)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestDockerRunsPythonUnderMemoryLimit proves the engine runs the "base" runtime image with a
// memory limit, the way the sandbox will.
func TestDockerRunsPythonUnderMemoryLimit(t *testing.T) {
	docker := Docker(t)
	img := Image(t, "base")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const limit = 64 << 20
	created, err := docker.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image:  img,
			Cmd:    []string{"python3", "-c", "print(1)"},
			Labels: map[string]string{"dev.judge.test": "testenv"},
		},
		HostConfig: &container.HostConfig{
			NetworkMode: "none",
			Resources:   container.Resources{Memory: limit, MemorySwap: limit},
		},
	})
	if err != nil {
		t.Fatalf("create container: %v", err)
	}
	t.Cleanup(func() {
		if _, err := docker.ContainerRemove(context.Background(), created.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			t.Errorf("remove container %s: %v", created.ID, err)
		}
	})

	wait := docker.ContainerWait(ctx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := docker.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("start container: %v", err)
	}
	select {
	case res := <-wait.Result:
		if res.StatusCode != 0 {
			t.Errorf("python3 exited %d", res.StatusCode)
		}
	case err := <-wait.Error:
		t.Fatalf("wait: %v", err)
	}

	logs, err := docker.ContainerLogs(ctx, created.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatalf("logs: %v", err)
	}
	defer logs.Close()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, logs); err != nil {
		t.Fatalf("read logs: %v", err)
	}
	if stdout.String() != "1\n" {
		t.Errorf("stdout %q (stderr %q), want \"1\\n\"", stdout.String(), stderr.String())
	}

	insp, err := docker.ContainerInspect(ctx, created.ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	if hc := insp.Container.HostConfig; hc == nil || hc.Memory != limit || hc.MemorySwap != limit {
		t.Errorf("inspect shows HostConfig %+v, want Memory and MemorySwap %d", hc, limit)
	}
}

func TestJudgedBinaryIsStaticAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds judged")
	}
	bin := JudgedBinary(t)
	if again := JudgedBinary(t); again != bin {
		t.Errorf("second JudgedBinary = %s, want the cached %s", again, bin)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatalf("read %s: %v", bin, err)
	}
	// A dynamically linked ELF names its interpreter (e.g. /lib64/ld-linux-x86-64.so.2).
	if bytes.Contains(data, []byte("/ld-linux")) {
		t.Errorf("%s is dynamically linked; want CGO_ENABLED=0", bin)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "judged") {
		t.Errorf("judged version: %v, output %q", err, out)
	}
}

// replicationConn opens a logical replication connection to dsn's database.
func replicationConn(ctx context.Context, t *testing.T, dsn string) *pgconn.PgConn {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("parse DSN: %v", err)
	}
	cfg.RuntimeParams["replication"] = "database"
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("replication connection: %v", err)
	}
	return conn
}

func databaseName(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse DSN %q: %v", dsn, err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func deleteGroup(t *testing.T, brokers []string, group string) {
	admin, err := sarama.NewClusterAdmin(brokers, saramaConfig())
	if err != nil {
		t.Errorf("admin to delete group %s: %v", group, err)
		return
	}
	defer admin.Close()
	if err := admin.DeleteConsumerGroup(group); err != nil {
		t.Errorf("delete consumer group %s: %v", group, err)
	}
}
