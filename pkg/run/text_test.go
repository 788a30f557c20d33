package run

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	cases := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"plain", "hello", 10, "hello"},
		{"unlimited", strings.Repeat("x", 100), 0, strings.Repeat("x", 100)},
		{"nul", "a\x00b", 10, "a\uFFFDb"},
		{"invalid", "a\xffb\xc3", 20, "a\uFFFDb\uFFFD"},
		{"cut on a boundary", "ééééé", 7, "éé…"}, // 10 bytes; 2×2 + 3 = 7
		{"cut ascii", "abcdefgh", 6, "abc…"},
		{"exact fit", "abcdef", 6, "abcdef"},
		{"cap under the mark", "aé", 2, "a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Text([]byte(c.in), c.max)
			if got != c.want {
				t.Errorf("Text(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
			}
		})
	}
}

func TestTextAlwaysStorable(t *testing.T) {
	in := []byte{}
	for i := range 4096 {
		in = append(in, byte(i*7), 0xe2, 0x82)
	}
	for _, max := range []int{0, 1, 3, 4, 5, 100, 1000} {
		got := Text(in, max)
		if !utf8.ValidString(got) || strings.ContainsRune(got, 0) {
			t.Fatalf("max %d: not storable: %q", max, got[:min(len(got), 40)])
		}
		if max > 0 && len(got) > max {
			t.Fatalf("max %d: %d bytes", max, len(got))
		}
	}
}
