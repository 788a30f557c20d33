package store_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/store"
	"github.com/judge-dev/judge/pkg/store/storetest"
)

// TestOldShapeRowsRead reads rows and events exactly as the store wrote them when it persisted
// the API's v1 types (limits without the "resolved" flag, events as v1 JSON with "seq"): they
// must read unchanged, and their limits resolve as the worker judges them.
func TestOldShapeRowsRead(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	db := st.DB()
	var tok int64
	if err := db.QueryRowContext(ctx, `INSERT INTO api_tokens (name, role, token_hash)
		VALUES ('old', 'admin', '\x04') RETURNING id`).Scan(&tok); err != nil {
		t.Fatal(err)
	}
	p, _, err := st.PutProblem(ctx, store.NewProblem{Slug: "old", Name: "Old", Package: []byte("old archive"),
		TimeLimitMS: 1000, MemoryKB: 131072, OutputKB: 8192})
	if err != nil {
		t.Fatal(err)
	}
	// Written by the old API: the request's time over the problem's, no flag.
	var withProblem, adHoc string
	if err := db.QueryRowContext(ctx, `INSERT INTO submissions (owner_token_id, owner, problem_id, language, source, source_sha256, limits)
		VALUES ($1, 'old', $2, 'c', 'x', 'h', '{"time_ms": 500}') RETURNING id`, tok, p.ID).Scan(&withProblem); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `INSERT INTO submissions (owner_token_id, owner, language, source, source_sha256)
		VALUES ($1, 'old', 'c', 'x', 'h') RETURNING id`, tok).Scan(&adHoc); err != nil {
		t.Fatal(err)
	}
	oldEvents := []string{
		`{"seq":0,"type":"status","status":"queued"}`,
		`{"seq":0,"type":"test","status":"running","test":{"index":2,"name":"secret/1","group":"secret","hidden":true,` +
			`"verdict":"WA","score":0.5,"time_ms":7,"wall_ms":9,"memory_kb":100,"exit_code":1,"signal":"SIGKILL","stdout":"41\n"}}`,
	}
	for i, payload := range oldEvents {
		typ := map[int]string{0: store.EventStatus, 1: store.EventTest}[i]
		if _, err := db.ExecContext(ctx, `INSERT INTO submission_events (submission_id, type, payload, attempt)
			VALUES ($1, $2, $3, 1)`, withProblem, typ, payload); err != nil {
			t.Fatal(err)
		}
	}

	evs, err := st.EventsAfter(ctx, withProblem, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Type != store.EventStatus || evs[0].Status != store.StatusQueued || evs[0].Attempt != 1 || evs[0].Seq == 0 {
		t.Fatalf("events = %+v, want status/queued then a test", evs)
	}
	wantTest := store.TestResult{Index: 2, Name: "secret/1", Group: "secret", Hidden: true, Verdict: "WA", Score: 0.5,
		TimeMS: 7, WallMS: 9, MemoryKB: 100, ExitCode: 1, Signal: "SIGKILL", Stdout: "41\n"}
	if evs[1].Type != store.EventTest || evs[1].Test == nil || *evs[1].Test != wantTest {
		t.Errorf("old test event = %+v (test %+v), want %+v", evs[1], evs[1].Test, wantTest)
	}

	// Rows from before are resolved with the default policy and the problem's limits, the
	// stored ones kept: what GET shows is what the claim judges with.
	defaults := store.DefaultLimitPolicy().Defaults
	for _, tc := range []struct {
		id   string
		want store.Limits
	}{
		{withProblem, store.Limits{TimeMS: 500, MemoryKB: 131072, OutputKB: 8192}},
		{adHoc, defaults},
	} {
		sub, err := st.GetSubmission(ctx, tc.id, false)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Limits != tc.want {
			t.Errorf("GET limits of an old row = %+v, want %+v", sub.Limits, tc.want)
		}
		c, ok, err := st.ClaimSubmission(ctx, tc.id, 1, "w", time.Minute)
		if err != nil || !ok {
			t.Fatalf("claim: ok=%v err=%v", ok, err)
		}
		if c.Limits != tc.want {
			t.Errorf("claimed limits of an old row = %+v, want %+v", c.Limits, tc.want)
		}
	}
}

// TestStoredFormat pins the JSON the store writes: a change of a tag here is a data migration.
func TestStoredFormat(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	id := newQueued(t, st)
	var limits []byte
	if err := st.DB().QueryRowContext(ctx, `SELECT limits FROM submissions WHERE id = $1`, id).Scan(&limits); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(limits, &got); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"time_ms": 1000.0, "resolved": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("stored limits = %s, want %v", limits, want)
	}
	c, ok, err := st.ClaimSubmission(ctx, id, 1, "w", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: ok=%v err=%v", ok, err)
	}
	if err := st.AppendTestEvent(ctx, c.Claim, store.TestResult{Index: 1, Name: "secret/1", Hidden: true, Verdict: "AC", TimeMS: 3, Stdout: "out"}); err != nil {
		t.Fatal(err)
	}
	var payload []byte
	if err := st.DB().QueryRowContext(ctx, `SELECT payload FROM submission_events WHERE submission_id = $1 AND type = 'test'`, id).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"type": "test", "status": "running", "test": map[string]any{"index": 1.0, "name": "secret/1", "hidden": true,
		"verdict": "AC", "time_ms": 3.0, "wall_ms": 0.0, "memory_kb": 0.0, "exit_code": 0.0, "stdout": "out"}}
	if !reflect.DeepEqual(ev, want) {
		t.Errorf("stored test event = %s, want %v", payload, want)
	}
}

// TestStoreDoesNotImportAPITypes keeps the store's rows its own: pkg/apiv1 is the HTTP wire
// format, and a store that persists it turns every API change into a data migration.
func TestStoreDoesNotImportAPITypes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "github.com/judge-dev/judge/pkg/store").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/judge-dev/judge/pkg/apiv1" || strings.HasPrefix(dep, "github.com/judge-dev/judge/pkg/api/") ||
			dep == "github.com/judge-dev/judge/pkg/api" {
			t.Errorf("pkg/store depends on %s; it keeps types of its own (pkg/api converts at its edge)", dep)
		}
	}
}

// TestUnresolvedLimitsResolvedAtClaim: a caller that stores no limits at all (not through the
// API) gets them resolved when the submission is claimed, not a run without limits.
func TestUnresolvedLimitsResolvedAtClaim(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	var tok int64
	if err := st.DB().QueryRowContext(ctx, `INSERT INTO api_tokens (name, role, token_hash)
		VALUES ('b', 'admin', '\x05') RETURNING id`).Scan(&tok); err != nil {
		t.Fatal(err)
	}
	created, err := st.CreateSubmission(ctx, store.NewSubmission{OwnerTokenID: tok, Owner: "b", Language: "python3", Source: "print(1)"})
	if err != nil {
		t.Fatal(err)
	}
	c, ok, err := st.ClaimSubmission(ctx, created.ID, 1, "w", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: ok=%v err=%v", ok, err)
	}
	if want := store.DefaultLimitPolicy().Defaults; c.Limits != want {
		t.Errorf("claimed limits = %+v, want the defaults %+v", c.Limits, want)
	}
}
