package store_test

import (
	"reflect"
	"testing"

	"github.com/judge-dev/judge/pkg/store"
)

func TestResolveLimits(t *testing.T) {
	policy := store.LimitPolicy{
		Defaults: store.Limits{TimeMS: 2000, MemoryKB: 262144, OutputKB: 65536},
		Max:      store.Limits{TimeMS: 15000, MemoryKB: 1 << 20, OutputKB: 256 << 10, WallTimeMS: 60000, Processes: 256, FileSizeKB: 256 << 10},
	}
	problem := &store.Limits{TimeMS: 1000, MemoryKB: 131072, OutputKB: 8192}
	tests := []struct {
		name     string
		problem  *store.Limits
		asked    store.Limits
		mayRaise bool
		want     store.Limits
		// refused are the fields refused, with the maximum each names.
		refused map[string]int64
	}{
		{name: "ad hoc, nothing asked: the defaults",
			want: policy.Defaults},
		{name: "problem, nothing asked: the problem's limits fill every field they set",
			problem: problem, want: *problem},
		{name: "problem, missing fields filled from the defaults",
			problem: &store.Limits{TimeMS: 1000}, want: store.Limits{TimeMS: 1000, MemoryKB: 262144, OutputKB: 65536}},
		{name: "submitter lowers the problem's limits",
			problem: problem, asked: store.Limits{TimeMS: 500, MemoryKB: 65536},
			want: store.Limits{TimeMS: 500, MemoryKB: 65536, OutputKB: 8192}},
		{name: "submitter asks for limits the problem does not set, within the maximum",
			problem: problem, asked: store.Limits{WallTimeMS: 3000, Processes: 4},
			want: store.Limits{TimeMS: 1000, MemoryKB: 131072, OutputKB: 8192, WallTimeMS: 3000, Processes: 4}},
		{name: "submitter may not raise the problem's limits",
			problem: problem, asked: store.Limits{TimeMS: 1001, MemoryKB: 131073, OutputKB: 100},
			want:    store.Limits{TimeMS: 1000, MemoryKB: 131072, OutputKB: 100},
			refused: map[string]int64{"time_ms": 1000, "memory_kb": 131072}},
		{name: "admin raises the problem's limits",
			problem: problem, asked: store.Limits{TimeMS: 5000, MemoryKB: 524288}, mayRaise: true,
			want: store.Limits{TimeMS: 5000, MemoryKB: 524288, OutputKB: 8192}},
		{name: "admin is still bound by the server's maximum",
			problem: problem, asked: store.Limits{TimeMS: 15001}, mayRaise: true,
			want: *problem, refused: map[string]int64{"time_ms": 15000}},
		{name: "ad hoc (Judge0) raises the defaults within the maximum",
			asked: store.Limits{TimeMS: 10000, MemoryKB: 512000, WallTimeMS: 20000, Processes: 60, FileSizeKB: 1024},
			want:  store.Limits{TimeMS: 10000, MemoryKB: 512000, OutputKB: 65536, WallTimeMS: 20000, Processes: 60, FileSizeKB: 1024}},
		{name: "ad hoc (Judge0) above the maximum",
			asked: store.Limits{MemoryKB: 1<<20 + 1, Processes: 257},
			want:  policy.Defaults, refused: map[string]int64{"memory_kb": 1 << 20, "processes": 256}},
		{name: "negative",
			asked: store.Limits{OutputKB: -1}, want: policy.Defaults, refused: map[string]int64{"output_kb": 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, bad := store.ResolveLimits(store.LimitRequest{Policy: policy, Problem: tc.problem, Asked: tc.asked, MayRaise: tc.mayRaise})
			if got != tc.want {
				t.Errorf("limits = %+v, want %+v", got, tc.want)
			}
			refused := map[string]int64{}
			for _, v := range bad {
				refused[v.Field] = v.Max
				if v.Message == "" {
					t.Errorf("%s refused without a message", v.Field)
				}
			}
			if len(tc.refused) == 0 {
				tc.refused = map[string]int64{}
			}
			if !reflect.DeepEqual(refused, tc.refused) {
				t.Errorf("refused %v (%+v), want %v", refused, bad, tc.refused)
			}
		})
	}
}
