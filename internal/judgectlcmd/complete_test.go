package judgectlcmd

import (
	"strings"
	"testing"
)

func TestDynamicCompletion(t *testing.T) {
	api := newFakeAPI(t)
	seed(t, api, "AC")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "submit", "x.py", "--lang", ""}, "python3\tPython 3"},
		{[]string{"__complete", "grade", "dir", "--problem", ""}, "hello\tHello"},
		{[]string{"__complete", "problem", "show", ""}, "hello\tHello"},
		{[]string{"__complete", "status", ""}, fakeID(1) + "\thello python3 done AC"},
		{[]string{"__complete", "tail", fakeID(1), ""}, ":4"}, // nothing after the ID
	}
	for _, tt := range tests {
		f, _, _ := newTestFactory(t, api.env())
		r := judgectl(t, f, tt.args...)
		if r.code != 0 || !strings.Contains(r.out, tt.want) {
			t.Errorf("judgectl %v = %d\n%s\nwant %q", tt.args, r.code, r.out, tt.want)
		}
	}
	// No server: completion quietly offers nothing instead of failing the shell.
	f, _, _ := newTestFactory(t, nil)
	if r := judgectl(t, f, "__complete", "submit", "x.py", "--lang", ""); r.code != 0 || strings.Contains(r.out, "python3") {
		t.Errorf("without a server: %d %q", r.code, r.out)
	}
}
