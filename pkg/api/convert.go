package api

import (
	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// The one place where the store's types become the wire types of pkg/apiv1 (and back, for
// limits). The store keeps its own types so that the API's JSON can change without a data
// migration; every route that shows a submission, a test or an event converts here, and
// hidden test data is stripped here (publicTest) and nowhere else.

// limitsFromV1 are the limits a request asked for.
func limitsFromV1(l apiv1.Limits) store.Limits {
	return store.Limits{TimeMS: l.TimeMS, MemoryKB: l.MemoryKB, OutputKB: l.OutputKB,
		WallTimeMS: l.WallTimeMS, Processes: l.Processes, FileSizeKB: l.FileSizeKB}
}

func limitsV1(l store.Limits) apiv1.Limits {
	return apiv1.Limits{TimeMS: l.TimeMS, MemoryKB: l.MemoryKB, OutputKB: l.OutputKB,
		WallTimeMS: l.WallTimeMS, Processes: l.Processes, FileSizeKB: l.FileSizeKB}
}

// publicTest is a stored test result as any caller may see it: a hidden (secret) test keeps
// only its verdict, score, time, memory and exit status; its output, feedback, input and answer
// never leave the server.
func publicTest(t store.TestResult) apiv1.TestResult {
	v := apiv1.TestResult{Index: t.Index, Name: t.Name, Group: t.Group, Hidden: t.Hidden, Verdict: t.Verdict,
		Score: t.Score, TimeMS: t.TimeMS, WallMS: t.WallMS, MemoryKB: t.MemoryKB, ExitCode: t.ExitCode, Signal: t.Signal}
	if !t.Hidden {
		v.Stdout, v.Stderr, v.Feedback, v.Input, v.Expected = t.Stdout, t.Stderr, t.Feedback, t.Input, t.Expected
	}
	return v
}

// view is a submission as the API shows it: hidden tests stripped by publicTest, the source
// only with withSource (the caller checked that p may read it).
func view(sub store.Submission, withSource bool) apiv1.Submission {
	v := apiv1.Submission{
		ID: sub.ID, Owner: sub.Owner, Problem: sub.Problem, ProblemVersion: sub.ProblemVersion,
		Language: sub.Language, Status: sub.Status, Verdict: sub.Verdict, Score: sub.Score,
		Limits: limitsV1(sub.Limits), Attempt: sub.Attempt, CompileOutput: sub.CompileOutput,
		Message: sub.Message, TimeMS: sub.TimeMS, MemoryKB: sub.MemoryKB, SourceSHA256: sub.SourceSHA256,
		CreatedAt: sub.CreatedAt, StartedAt: sub.StartedAt, FinishedAt: sub.FinishedAt,
	}
	if withSource {
		v.Source = sub.Source
		if sub.Files != nil {
			v.Files, v.Entry = apiv1.WireFiles(sub.Files), sub.Entry
		}
	}
	for _, t := range sub.Tests {
		v.Tests = append(v.Tests, publicTest(t))
	}
	return v
}

// eventV1 is a stored event as the SSE stream sends it (without the submission of a done
// event, which the stream reads fresh).
func eventV1(ev store.Event) apiv1.Event {
	v := apiv1.Event{Seq: ev.Seq, Type: ev.Type, Attempt: ev.Attempt, Status: ev.Status}
	if ev.Test != nil {
		t := publicTest(*ev.Test)
		v.Test = &t
	}
	return v
}

func problemV1(p store.ProblemVersion) apiv1.Problem {
	typ := "pass-fail"
	if p.Scoring {
		typ = "scoring"
	}
	return apiv1.Problem{Slug: p.Slug, Name: p.Name, Version: p.Version, Type: typ, Interactive: p.Interactive,
		Limits: limitsV1(p.Limits), Samples: p.Samples, Tests: p.Tests, CreatedAt: p.CreatedAt,
		State: p.State, TimeLimitSource: p.TimeLimitSource, Calibration: calibrationV1(p.Calibration)}
}

func calibrationV1(c *store.Calibration) *apiv1.Calibration {
	if c == nil {
		return nil
	}
	v := &apiv1.Calibration{Total: c.Total, Judged: c.Judged, Forced: c.Forced, ProbeTimeMS: c.ProbeTimeMS,
		SlowestMS: c.SlowestMS, Runs: make([]apiv1.CalibrationRun, 0, len(c.Runs)), Failures: c.Failures, Warnings: c.Warnings}
	for _, r := range c.Runs {
		v.Runs = append(v.Runs, apiv1.CalibrationRun{Path: r.Path, Language: r.Language, Submission: r.Submission,
			Status: r.Status, Verdict: r.Verdict, TimeMS: r.TimeMS, FailedTest: r.FailedTest,
			FailedVerdict: r.FailedVerdict, Message: r.Message})
	}
	return v
}

func statsV1(st store.Stats) apiv1.Stats {
	v := apiv1.Stats{Queued: st.Queued, Running: st.Running, DoneLastMin: st.DoneLastMin, WorkersAlive: st.WorkersAlive,
		RelayLagMS: st.RelayLagMS, VerdictCounts: st.VerdictCounts, SubmittedLastMin: st.SubmittedLastMin,
		VerdictsLastMin: st.VerdictsLastMin, Workers: make([]apiv1.WorkerStats, 0, len(st.Workers))}
	for _, w := range st.Workers {
		ws := apiv1.WorkerStats{Name: w.Name, Slots: w.Slots, HeartbeatAgeMS: w.HeartbeatAgeMS,
			Running: make([]apiv1.RunningSubmission, 0, len(w.Running))}
		for _, r := range w.Running {
			ws.Running = append(ws.Running, apiv1.RunningSubmission{ID: r.ID, Problem: r.Problem, Language: r.Language,
				Attempt: r.Attempt, StartedAt: r.StartedAt})
		}
		v.Workers = append(v.Workers, ws)
	}
	if v.VerdictCounts == nil {
		v.VerdictCounts = map[string]int64{}
	}
	if v.VerdictsLastMin == nil {
		v.VerdictsLastMin = map[string]int64{}
	}
	return v
}
