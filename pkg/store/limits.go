package store

import (
	"encoding/json"
	"fmt"
)

// Limits are the run limits of one submission, stored in submissions.limits (jsonb). Zero
// fields are "not set": after ResolveLimits that means the sandbox's own default (wall time,
// processes and file size are derived by the sandbox when not asked for).
type Limits struct {
	TimeMS     int   `json:"time_ms,omitempty"`
	MemoryKB   int64 `json:"memory_kb,omitempty"`
	OutputKB   int64 `json:"output_kb,omitempty"`
	WallTimeMS int   `json:"wall_time_ms,omitempty"`
	Processes  int   `json:"processes,omitempty"`
	FileSizeKB int64 `json:"file_size_kb,omitempty"`
}

// storedLimits is the format of submissions.limits. Resolved marks limits computed by
// ResolveLimits when the submission was accepted; rows stored before that (without the flag)
// are resolved when claimed.
type storedLimits struct {
	Limits
	Resolved bool `json:"resolved,omitempty"`
}

// encodeLimits stores l as resolved. No limits at all (a caller that did not resolve them; the
// API always does, and the defaults are never all zero) are stored unresolved, so the claim
// resolves them rather than the sandbox running without any.
func encodeLimits(l Limits) ([]byte, error) {
	return json.Marshal(storedLimits{Limits: l, Resolved: l != (Limits{})})
}

func decodeLimits(b []byte) (storedLimits, error) {
	var s storedLimits
	if len(b) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("decode limits: %w", err)
	}
	return s, nil
}

// LimitPolicy is the operator's side of limit resolution.
type LimitPolicy struct {
	// Defaults apply where neither the problem nor the request sets a limit.
	Defaults Limits
	// Max caps what anyone may ask for (zero fields: no cap).
	Max Limits
}

// DefaultLimitPolicy is the policy of a server that is not told otherwise.
func DefaultLimitPolicy() LimitPolicy {
	return LimitPolicy{
		Defaults: Limits{TimeMS: 2000, MemoryKB: 256 << 10, OutputKB: 64 << 10},
		Max:      Limits{TimeMS: 15000, MemoryKB: 1 << 20, OutputKB: 256 << 10, WallTimeMS: 60000, Processes: 256, FileSizeKB: 256 << 10},
	}
}

// LimitRequest is what ResolveLimits resolves.
type LimitRequest struct {
	Policy LimitPolicy
	// Problem is the problem version's own limits; nil for an ad-hoc run. A submitter may lower
	// them, never raise them.
	Problem *Limits
	// Asked are the limits the submitter asked for; zero fields are not asked.
	Asked Limits
	// MayRaise lets the request raise the problem's limits (an admin token), up to Policy.Max.
	MayRaise bool
}

// LimitViolation is one asked limit ResolveLimits refused.
type LimitViolation struct {
	// Field is the limit's name (time_ms, memory_kb, ...).
	Field string
	// Max is the largest value allowed (0 for a negative value).
	Max int64
	// Message says what is wrong and what is allowed.
	Message string
}

// ResolveLimits is the one place where a submission's limits are computed: the operator's
// defaults, overridden by the problem's limits, overridden by the asked ones. An asked limit
// must not be negative, nor above Policy.Max, nor, without MayRaise, above the problem's own
// limit. The API calls it when it accepts a submission and stores the result; the store calls
// it again only for rows stored before (see ClaimSubmission).
func ResolveLimits(r LimitRequest) (Limits, []LimitViolation) {
	out := r.Policy.Defaults
	var prob Limits
	if r.Problem != nil {
		prob = *r.Problem
	}
	var bad []LimitViolation
	field := func(name string, dst *int64, problem, asked, maxV int64) {
		if problem > 0 {
			*dst = problem
		}
		switch {
		case asked == 0:
		case asked < 0:
			bad = append(bad, LimitViolation{Field: name, Message: "must not be negative"})
		case maxV > 0 && asked > maxV:
			bad = append(bad, LimitViolation{Field: name, Max: maxV,
				Message: fmt.Sprintf("%d is above the server's maximum of %d", asked, maxV)})
		case problem > 0 && asked > problem && !r.MayRaise:
			bad = append(bad, LimitViolation{Field: name, Max: problem,
				Message: fmt.Sprintf("%d is above the problem's limit of %d: a submitter may lower a problem's limits, not raise them (an admin token may)", asked, problem)})
		default:
			*dst = asked
		}
	}
	i64 := func(v int) int64 { return int64(v) }
	var t, wall, procs int64 = i64(out.TimeMS), i64(out.WallTimeMS), i64(out.Processes)
	field("time_ms", &t, i64(prob.TimeMS), i64(r.Asked.TimeMS), i64(r.Policy.Max.TimeMS))
	field("memory_kb", &out.MemoryKB, prob.MemoryKB, r.Asked.MemoryKB, r.Policy.Max.MemoryKB)
	field("output_kb", &out.OutputKB, prob.OutputKB, r.Asked.OutputKB, r.Policy.Max.OutputKB)
	field("wall_time_ms", &wall, i64(prob.WallTimeMS), i64(r.Asked.WallTimeMS), i64(r.Policy.Max.WallTimeMS))
	field("processes", &procs, i64(prob.Processes), i64(r.Asked.Processes), i64(r.Policy.Max.Processes))
	field("file_size_kb", &out.FileSizeKB, prob.FileSizeKB, r.Asked.FileSizeKB, r.Policy.Max.FileSizeKB)
	out.TimeMS, out.WallTimeMS, out.Processes = int(t), int(wall), int(procs)
	return out, bad
}

// resolveStored resolves the limits of a row stored before limits were resolved at accept time
// (which held the request merged over the defaults and the problem's limits, or nothing): with
// the default policy and the problem's limits, the stored ones as asked and allowed (the API
// accepted them then).
func resolveStored(stored Limits, hasProblem bool, problem Limits) Limits {
	r := LimitRequest{Policy: DefaultLimitPolicy(), Asked: stored, MayRaise: true}
	r.Policy.Max = Limits{}
	if hasProblem {
		r.Problem = &problem
	}
	l, _ := ResolveLimits(r) // no caps and raising allowed: nothing to refuse but negatives, ignored
	return l
}
