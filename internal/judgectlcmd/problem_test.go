package judgectlcmd

import (
	"strings"
	"testing"
)

func TestReadCommands(t *testing.T) {
	api := newFakeAPI(t)
	tests := []struct {
		args   []string
		tty    bool
		code   int
		outHas []string
		errHas string
	}{
		{args: []string{"languages"}, outHas: []string{"python3\tPython 3\t.py\tno", "cpp\tC++\t.cpp .cc .h .C\tyes"}},
		{args: []string{"languages"}, tty: true, outHas: []string{"ID ", "EXTENSIONS", "python3 "}},
		{args: []string{"languages", "-o", "json"}, outHas: []string{`"id": "python3"`}},
		{args: []string{"problem", "list"}, outHas: []string{"hello\tHello\t2\tpass-fail\t1\t3"}},
		{args: []string{"problem", "list", "-o", "yaml"}, outHas: []string{"slug: hello"}},
		{args: []string{"problem", "show", "hello"}, outHas: []string{"Version      2", "Tests        3 (1 samples)", "Time limit   default"}},
		{args: []string{"problem", "show", "nope"}, code: ExitFailure, errHas: "no problem nope"},
		{args: []string{"problem", "show"}, code: ExitFailure, errHas: "needs a problem slug"},
	}
	for _, tt := range tests {
		f, _, _ := newTestFactory(t, api.env())
		f.IO.OutTTY = tt.tty
		r := judgectl(t, f, tt.args...)
		if r.code != tt.code || !strings.Contains(r.errOut, tt.errHas) {
			t.Errorf("judgectl %v = %d, stderr %q; want %d and %q", tt.args, r.code, r.errOut, tt.code, tt.errHas)
		}
		for _, s := range tt.outHas {
			if !strings.Contains(r.out, s) {
				t.Errorf("judgectl %v stdout lacks %q:\n%s", tt.args, s, r.out)
			}
		}
	}
}
