package cdc_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/cdc"
	"github.com/judge-dev/judge/pkg/store"
)

// health reads the relay_health row of the fixture's slot.
func (f *fixture) health(t *testing.T) store.RelayHealth {
	t.Helper()
	hs, err := f.st.ListRelayHealth(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if h.Slot == f.slot {
			return h
		}
	}
	return store.RelayHealth{}
}

// dropSlot drops the slot behind the relay's back: its walsender is terminated first (a
// running relay reconnects within a second, so this retries).
func (f *fixture) dropSlot(t *testing.T) {
	t.Helper()
	testenv.WaitFor(t, "the slot dropped", 30*time.Second, func() bool {
		_, err := f.st.DB().Exec(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`, f.slot)
		if err == nil {
			_, err = f.st.DB().Exec(`SELECT pg_drop_replication_slot($1)`, f.slot)
		}
		return err == nil
	})
}

func TestRelayRecreatesADroppedSlotAndBackfillsWhatItMissed(t *testing.T) {
	f := newFixture(t)
	stop := f.relay(t, "a", nil)
	f.waitStreaming(t)
	first := f.submit(t, 2, false)
	testenv.WaitFor(t, "first rows published", 30*time.Second, func() bool { return f.got.has(first...) })
	testenv.WaitFor(t, "the slot recorded as healthy", 30*time.Second, func() bool { return f.health(t).SlotStatus == "reserved" })
	stop()
	f.dropSlot(t)
	// Committed with no slot: no stream will ever carry these.
	missed := f.submit(t, 3, false)
	f.relay(t, "b", nil)
	testenv.WaitFor(t, "rows committed while the slot was gone", 30*time.Second, func() bool { return f.got.has(missed...) })
	h := f.health(t)
	if h.Repairs < 1 || !strings.Contains(h.LastRepair, "slot was missing") || h.BackfillPending || h.Backfilled < 3 {
		t.Fatalf("relay_health after the slot was dropped: %+v, want a recorded slot repair and a finished backfill of ≥3 rows", h)
	}
	// And the recreated slot streams.
	later := f.submit(t, 1, false)
	testenv.WaitFor(t, "rows after the repair", 30*time.Second, func() bool { return f.got.has(later...) })
}

func TestRelayResumesAnInterruptedBackfill(t *testing.T) {
	f := newFixture(t)
	// Rows committed before any slot exists are published only by the backfill.
	before := f.submit(t, 4, false)
	var fail atomic.Bool
	var tries atomic.Int32
	fail.Store(true)
	stop := f.relay(t, "a", func() (cdc.Producer, error) {
		p, err := f.producer()
		return failingProducer{Producer: p, fail: &fail, tries: &tries}, err
	})
	testenv.WaitFor(t, "the backfill failing", 30*time.Second, func() bool { return tries.Load() >= 1 })
	stop()
	if h := f.health(t); !h.BackfillPending {
		t.Fatalf("relay_health after a failed backfill: %+v, want the backfill still pending", h)
	}
	var slots int
	if err := f.st.DB().QueryRow(`SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1`, f.slot).Scan(&slots); err != nil || slots != 1 {
		t.Fatalf("%d slots (%v): the interrupted term should have created the slot", slots, err)
	}
	// A new term finds the slot in place; only the pending mark makes it backfill.
	f.relay(t, "b", nil)
	testenv.WaitFor(t, "rows of the interrupted backfill", 30*time.Second, func() bool { return f.got.has(before...) })
	testenv.WaitFor(t, "the backfill finished", 30*time.Second, func() bool { h := f.health(t); return !h.BackfillPending && h.Backfilled >= 4 })
}

func TestRelayRepairsAPublicationThatLostTheOutbox(t *testing.T) {
	f := newFixture(t)
	f.relay(t, "a", nil)
	f.waitStreaming(t)
	if _, err := f.st.DB().Exec(`ALTER PUBLICATION ` + cdc.DefaultPublication + ` DROP TABLE dispatch`); err != nil {
		t.Fatal(err)
	}
	// Decoding skips these: the table is not in the publication when they commit.
	hidden := f.submit(t, 3, false)
	testenv.WaitFor(t, "rows hidden by the drift published", 30*time.Second, func() bool { return f.got.has(hidden...) })
	h := f.health(t)
	if h.Repairs < 1 || !strings.Contains(h.LastRepair, "lacks the dispatch table") {
		t.Fatalf("relay_health after the publication drifted: %+v, want a recorded publication repair", h)
	}
	var in int
	if err := f.st.DB().QueryRow(`SELECT count(*) FROM pg_publication_tables WHERE pubname = $1 AND tablename = 'dispatch'`, cdc.DefaultPublication).Scan(&in); err != nil || in != 1 {
		t.Fatalf("dispatch in the publication: %d (%v), want 1", in, err)
	}
	later := f.submit(t, 1, false)
	testenv.WaitFor(t, "rows after the repair", 30*time.Second, func() bool { return f.got.has(later...) })
}

func TestRelayRecreatesADroppedPublication(t *testing.T) {
	f := newFixture(t)
	f.relay(t, "a", nil)
	f.waitStreaming(t)
	testenv.WaitFor(t, "the slot recorded as healthy", 30*time.Second, func() bool { return f.health(t).SlotStatus == "reserved" })
	if _, err := f.st.DB().Exec(`DROP PUBLICATION ` + cdc.DefaultPublication); err != nil {
		t.Fatal(err)
	}
	hidden := f.submit(t, 3, false)
	testenv.WaitFor(t, "rows committed without a publication published", 60*time.Second, func() bool { return f.got.has(hidden...) })
	h := f.health(t)
	if h.Repairs < 1 || !strings.Contains(h.LastRepair, "publication was missing") {
		t.Fatalf("relay_health after the publication was dropped: %+v, want a recorded publication repair", h)
	}
	later := f.submit(t, 1, false)
	testenv.WaitFor(t, "rows after the repair", 30*time.Second, func() bool { return f.got.has(later...) })
}

// A queued submission whose Kafka record is gone (retention, a recreated topic) is dispatched
// again once its dispatch is older than RedispatchAfter; a finished one is left alone.
func TestReconcilerRedispatchesQueuedSubmissionsAndDropsObsoleteRows(t *testing.T) {
	f := newFixture(t)
	f.redispatchAfter = time.Second
	f.relay(t, "a", nil)
	f.waitStreaming(t)
	ids := f.submit(t, 2, false)
	testenv.WaitFor(t, "first dispatch", 30*time.Second, func() bool { return f.got.has(ids...) })
	if _, err := f.st.DB().Exec(`UPDATE submissions SET status = 'done', verdict = 'AC' WHERE id = $1`, ids[1]); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the queued submission dispatched again", 30*time.Second, func() bool { return len(f.got.get(ids[0])) >= 2 })
	for _, m := range f.got.get(ids[0]) {
		if m.Attempt != 1 {
			t.Errorf("re-dispatch changed the attempt: %+v", m)
		}
	}
	if n := len(f.got.get(ids[1])); n != 1 {
		t.Errorf("finished submission published %d times, want 1", n)
	}
	var redispatches int
	if err := f.st.DB().QueryRow(`SELECT redispatches FROM submissions WHERE id = $1`, ids[0]).Scan(&redispatches); err != nil || redispatches < 1 {
		t.Fatalf("redispatches %d (%v), want ≥1", redispatches, err)
	}
	if h := f.health(t); h.Redispatched < 1 {
		t.Fatalf("relay_health %+v, want redispatched ≥1", h)
	}
}
