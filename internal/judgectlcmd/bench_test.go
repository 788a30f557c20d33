package judgectlcmd

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBench(t *testing.T) {
	api := newFakeAPI(t)
	file := writeFile(t, t.TempDir(), "hello.py", "print('hello')")
	tests := []struct {
		name   string
		args   []string
		code   int
		outHas []string
		errHas string
	}{
		{name: "report", args: []string{"--slo-p99", "1h"}, outHas: []string{"Offered      10 submissions, 50.00/s", "accepted 10", "Completed    10, backlog at end 0", "Verdicts     AC 10", "End to end   p50", "SLO          end-to-end p99 ≤ 1h0m0s: met", "workers 2"}},
		{name: "slo missed", args: []string{"--slo-p99", "1ns"}, code: ExitRejected, outHas: []string{"MISSED"}},
		{name: "bad rate", args: []string{"--rate", "0"}, code: ExitFailure, errHas: "rate 0: must be a positive"},
		{name: "bad format", args: []string{"-o", "xml"}, code: ExitFailure, errHas: "unknown output format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := newTestFactory(t, api.env())
			args := append([]string{"bench", "--rate", "50", "--duration", "200ms", "--file", file}, tt.args...)
			r := judgectl(t, f, args...)
			if r.code != tt.code || !strings.Contains(r.errOut, tt.errHas) {
				t.Fatalf("exit %d, want %d; stderr %q want %q\n%s", r.code, tt.code, r.errOut, tt.errHas, r.out)
			}
			for _, s := range tt.outHas {
				if !strings.Contains(r.out, s) {
					t.Errorf("report lacks %q:\n%s", s, r.out)
				}
			}
		})
	}
}

func TestBenchJSONAndMissingFile(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	file := writeFile(t, t.TempDir(), "hello.py", "WA")
	r := judgectl(t, f, "bench", "--rate", "40", "--duration", "100ms", "--file", file, "-o", "json")
	var res struct {
		Scheduled  int            `json:"scheduled"`
		Completed  int            `json:"completed"`
		Verdicts   map[string]int `json:"verdicts"`
		Language   string         `json:"language"`
		E2ELatency struct {
			Count int64 `json:"count"`
		} `json:"e2e_latency"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.out), &res) != nil {
		t.Fatalf("exit %d, stdout not JSON:\n%s\n%s", r.code, r.out, r.errOut)
	}
	if res.Scheduled != 4 || res.Completed != 4 || res.Verdicts["WA"] != 4 || res.Language != "python3" || res.E2ELatency.Count != 4 {
		t.Errorf("report = %+v", res)
	}
	r = judgectl(t, f, "bench", "--duration", "100ms", "--file", "nope.py")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "--file") {
		t.Errorf("missing file: exit %d stderr %q", r.code, r.errOut)
	}
}
