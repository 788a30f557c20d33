package apiv1

import (
	"encoding/json"
	"testing"
)

func TestLimitsAcceptIntegralNumbersOnly(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Limits
		ok   bool
	}{
		{`{"time_ms": 1000, "memory_kb": 812.0}`, Limits{TimeMS: 1000, MemoryKB: 812}, true},
		{`{"output_kb": 1e3}`, Limits{OutputKB: 1000}, true},
		{`{}`, Limits{}, true},
		{`{"time_ms": 1.5}`, Limits{}, false},
		{`{"time_ms": "1"}`, Limits{}, false},
		{`{"cpu": 1}`, Limits{}, false},
		{`[1]`, Limits{}, false},
	} {
		var l Limits
		err := json.Unmarshal([]byte(tc.in), &l)
		if (err == nil) != tc.ok || (tc.ok && l != tc.want) {
			t.Errorf("%s: %+v, %v; want %+v (ok %v)", tc.in, l, err, tc.want, tc.ok)
		}
	}
}
