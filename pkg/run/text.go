package run

import (
	"strings"
	"unicode/utf8"
)

// clipMark ends a text that Text had to cut.
const clipMark = "…"

// Text turns bytes a program (or a compiler, a validator) produced into text every store and
// screen accepts: invalid UTF-8 and NUL become U+FFFD, and a text over max bytes (max > 0) is
// cut on a character boundary and ends in "…", the whole staying within max bytes. It is the one
// function every text field leaving the sandbox goes through (compile output, messages, the
// stdout, stderr and validator feedback shown); the raw bytes stay in Result where a user needs
// them.
func Text(b []byte, max int) string {
	if max > 0 && len(b) > max+utf8.UTFMax {
		// Every input byte is at least one output byte: the rest would be cut anyway.
		b = b[:max+utf8.UTFMax]
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == 0 {
			r = utf8.RuneError
		}
		sb.WriteRune(r)
		b = b[n:]
	}
	s := sb.String()
	if max <= 0 || len(s) <= max {
		return s
	}
	mark := clipMark
	if max < len(mark) {
		mark = ""
	}
	cut := max - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
