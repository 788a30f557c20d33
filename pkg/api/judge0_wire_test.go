package api

import (
	"encoding/base64"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestJudge0Decode64IsRubyDecode64 pins the decoder to Ruby's Base64.decode64 (which Judge0
// uses) on the inputs clients really send: wrapped lines, stray characters, missing padding.
func TestJudge0Decode64IsRubyDecode64(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"aGVsbG8=", "hello"},
		{"aGVs\nbG8=\n", "hello"},      // Base64.encode64 output, newlines
		{"aGVsbG8", "hello"},           // no padding
		{" a G V s b G 8 = ", "hello"}, // spaces
		{"aGVs!bG8=", "hello"},         // a stray character is skipped
		{"aGVsbG8=aGVsbG8=", "hello"},  // decoding stops at the first '='
		{"aGVsbG8h-_", "hello!"},       // URL-safe characters are not base64: skipped
		{"aGk", "hi"},                  // a last quantum of 3
		{"aGVsbA", "hell"},             // a last quantum of 2
		{"aGVsb", "hel"},               // a dangling last character is dropped
		{"aGl=", "hi"},                 // non-zero padding bits are ignored
		{"%%%", ""},
		{"", ""},
	} {
		if got := string(judge0Decode64(c.in)); got != c.want {
			t.Errorf("judge0Decode64(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestJudge0Encode64IsRubyEncode64(t *testing.T) {
	if got := judge0Encode64([]byte("hi\n")); got != "aGkK\n" {
		t.Errorf("encode64(hi\\n) = %q", got)
	}
	if got := judge0Encode64(nil); got != "\n" {
		t.Errorf("encode64('') = %q, want \\n as Ruby", got)
	}
	long := []byte(strings.Repeat("x", 100))
	got := judge0Encode64(long)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 3 || len(lines[0]) != 60 || len(lines[1]) != 60 || !strings.HasSuffix(got, "\n") {
		t.Errorf("encode64 of 100 bytes = %q, want lines of 60 and a final newline", got)
	}
	if back := judge0Decode64(got); string(back) != string(long) {
		t.Error("decode64(encode64(x)) != x")
	}
	if std := base64.StdEncoding.EncodeToString(long); strings.ReplaceAll(got, "\n", "") != std {
		t.Error("encode64 differs from standard base64 beyond newlines")
	}
}

func TestRubyToI(t *testing.T) {
	for in, want := range map[string]int{"2": 2, "-4": -4, "+3": 3, " 7": 7, "12abc": 12, "abc": 0, "": 0, "-": 0,
		"99999999999999999999": math.MaxInt32, "-99999999999999999999": math.MinInt32} {
		if got := rubyToI(in); got != want {
			t.Errorf("rubyToI(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestParseJudge0Fields(t *testing.T) {
	if f, err := parseJudge0Fields(""); err != nil || len(f) != len(judge0DefaultFields) {
		t.Errorf("empty: %v %v", f, err)
	}
	if f, err := parseJudge0Fields("stdout,*"); err != nil || len(f) != len(judge0Fields) {
		t.Errorf("*: %d fields, %v", len(f), err)
	}
	if _, err := parseJudge0Fields("stdout,x,y"); err == nil || !strings.Contains(err.Error(), "invalid fields: [x, y]") {
		t.Errorf("unknown: %v", err)
	}
}

func TestSplitArgsAsAShellWould(t *testing.T) {
	for in, want := range map[string][]string{
		"a b  c":                {"a", "b", "c"},
		`'b c' "d e"`:           {"b c", "d e"},
		`x'y z'"w"`:             {"xy zw"},
		`"a \"q\" \\ \$x \n"`:   {`a "q" \ $x \n`},
		`a\ b \'c`:              {"a b", "'c"},
		`'' ""`:                 {"", ""},
		"$HOME *.txt $(rm -rf)": {"$HOME", "*.txt", "$(rm", "-rf)"}, // nothing is expanded or run
		"":                      nil,
	} {
		got, err := splitArgs(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`'open`, `"open`, `a "b\"`} {
		if _, err := splitArgs(in); err == nil {
			t.Errorf("splitArgs(%q): no error for an unterminated quote", in)
		}
	}
}
