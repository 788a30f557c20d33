package api

import (
	"reflect"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

func TestPublicTestStripsHiddenData(t *testing.T) {
	full := store.TestResult{Index: 2, Name: "secret/1", Group: "secret", Verdict: "WA", Score: 0.5, TimeMS: 7, WallMS: 9,
		MemoryKB: 100, ExitCode: 1, Signal: "SIGKILL", Stdout: "41\n", Stderr: "dbg", Feedback: "expected 42", Input: "in", Expected: "42\n"}
	shown := apiv1.TestResult{Index: 2, Name: "secret/1", Group: "secret", Verdict: "WA", Score: 0.5, TimeMS: 7, WallMS: 9,
		MemoryKB: 100, ExitCode: 1, Signal: "SIGKILL", Stdout: "41\n", Stderr: "dbg", Feedback: "expected 42", Input: "in", Expected: "42\n"}
	if got := publicTest(full); got != shown {
		t.Errorf("sample test = %+v, want every field %+v", got, shown)
	}
	full.Hidden = true
	want := apiv1.TestResult{Index: 2, Name: "secret/1", Group: "secret", Hidden: true, Verdict: "WA", Score: 0.5, TimeMS: 7, WallMS: 9,
		MemoryKB: 100, ExitCode: 1, Signal: "SIGKILL"}
	if got := publicTest(full); got != want {
		t.Errorf("hidden test = %+v, want only verdict, score, time, memory and exit status: %+v", got, want)
	}
}

func TestViewConvertsEveryField(t *testing.T) {
	score := 0.25
	at := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	started, finished := at.Add(time.Second), at.Add(2*time.Second)
	sub := store.Submission{ID: "id", OwnerTokenID: 7, Owner: "ann", Problem: "sum", ProblemVersion: 3, Language: "c",
		Status: store.StatusDone, Verdict: "WA", Score: &score, Limits: store.Limits{TimeMS: 1, MemoryKB: 2, OutputKB: 3, WallTimeMS: 4, Processes: 5, FileSizeKB: 6},
		Attempt: 2, CompileOutput: "warn", Message: "msg", TimeMS: 8, MemoryKB: 9, SourceSHA256: "abc", CreatedAt: at,
		StartedAt: &started, FinishedAt: &finished, Source: "int main",
		Tests: []store.TestResult{{Index: 1, Name: "sample/1", Stdout: "3\n"}, {Index: 2, Name: "secret/1", Hidden: true, Stdout: "41\n"}}}
	want := apiv1.Submission{ID: "id", Owner: "ann", Problem: "sum", ProblemVersion: 3, Language: "c",
		Status: apiv1.StatusDone, Verdict: "WA", Score: &score, Limits: apiv1.Limits{TimeMS: 1, MemoryKB: 2, OutputKB: 3, WallTimeMS: 4, Processes: 5, FileSizeKB: 6},
		Attempt: 2, CompileOutput: "warn", Message: "msg", TimeMS: 8, MemoryKB: 9, SourceSHA256: "abc", CreatedAt: at,
		StartedAt: &started, FinishedAt: &finished,
		Tests: []apiv1.TestResult{{Index: 1, Name: "sample/1", Stdout: "3\n"}, {Index: 2, Name: "secret/1", Hidden: true}}}
	if got := view(sub, false); !reflect.DeepEqual(got, want) {
		t.Errorf("view = %+v\nwant %+v", got, want)
	}
	want.Source = "int main"
	if got := view(sub, true); !reflect.DeepEqual(got, want) {
		t.Errorf("view with source = %+v\nwant %+v", got, want)
	}
	if got := view(store.Submission{ID: "x"}, false); got.Tests != nil {
		t.Errorf("a submission without tests shows tests %v; want none (omitted)", got.Tests)
	}
}

func TestEventV1StripsHiddenTests(t *testing.T) {
	ev := store.Event{Seq: 5, Type: store.EventTest, Attempt: 2, Status: store.StatusRunning,
		Test: &store.TestResult{Index: 1, Name: "secret/1", Hidden: true, Verdict: "AC", Stdout: "secret", Input: "in"}}
	got := eventV1(ev)
	want := apiv1.Event{Seq: 5, Type: apiv1.EventTest, Attempt: 2, Status: apiv1.StatusRunning,
		Test: &apiv1.TestResult{Index: 1, Name: "secret/1", Hidden: true, Verdict: "AC"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event = %+v (test %+v), want %+v (test %+v)", got, got.Test, want, want.Test)
	}
	if ev.Test.Stdout != "secret" {
		t.Error("converting changed the stored event")
	}
}

func TestLimitsRoundTrip(t *testing.T) {
	l := apiv1.Limits{TimeMS: 1, MemoryKB: 2, OutputKB: 3, WallTimeMS: 4, Processes: 5, FileSizeKB: 6}
	if got := limitsV1(limitsFromV1(l)); got != l {
		t.Errorf("round trip = %+v, want %+v", got, l)
	}
}

func TestProblemAndStatsV1(t *testing.T) {
	at := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	p := store.ProblemVersion{ID: 9, Slug: "sum", Name: "Sum", Version: 2, PackageSHA256: "h", Scoring: true, Interactive: true,
		Limits: store.Limits{TimeMS: 1000, MemoryKB: 2048, OutputKB: 64}, Samples: 1, Tests: 3, CreatedAt: at}
	wantP := apiv1.Problem{Slug: "sum", Name: "Sum", Version: 2, Type: "scoring", Interactive: true,
		Limits: apiv1.Limits{TimeMS: 1000, MemoryKB: 2048, OutputKB: 64}, Samples: 1, Tests: 3, CreatedAt: at}
	if got := problemV1(p); got != wantP {
		t.Errorf("problem = %+v, want %+v", got, wantP)
	}
	p.Scoring = false
	if got := problemV1(p).Type; got != "pass-fail" {
		t.Errorf("type of a pass-fail problem = %q", got)
	}
	st := store.Stats{Queued: 1, Running: 2, DoneLastMin: 3, WorkersAlive: 1, RelayLagMS: 4, SubmittedLastMin: 5,
		VerdictCounts: map[string]int64{"AC": 3},
		Workers: []store.WorkerStats{{Name: "w1", Slots: 2, HeartbeatAgeMS: 10,
			Running: []store.RunningSubmission{{ID: "s", Problem: "sum", Language: "c", Attempt: 1, StartedAt: at}}}}}
	wantS := apiv1.Stats{Queued: 1, Running: 2, DoneLastMin: 3, WorkersAlive: 1, RelayLagMS: 4, SubmittedLastMin: 5,
		VerdictCounts: map[string]int64{"AC": 3}, VerdictsLastMin: map[string]int64{},
		Workers: []apiv1.WorkerStats{{Name: "w1", Slots: 2, HeartbeatAgeMS: 10,
			Running: []apiv1.RunningSubmission{{ID: "s", Problem: "sum", Language: "c", Attempt: 1, StartedAt: at}}}}}
	if got := statsV1(st); !reflect.DeepEqual(got, wantS) {
		t.Errorf("stats = %+v\nwant %+v", got, wantS)
	}
}
