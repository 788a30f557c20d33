package judge

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// CompareOptions are the default output validator's flags, with the Kattis names.
type CompareOptions struct {
	CaseSensitive        bool
	SpaceChangeSensitive bool
	// FloatAbsTol and FloatRelTol are negative when unset. A judge token that parses as a finite
	// float is compared numerically when at least one of them is set.
	FloatAbsTol float64
	FloatRelTol float64
}

// DefaultCompareOptions are the options with no flag given.
func DefaultCompareOptions() CompareOptions {
	return CompareOptions{FloatAbsTol: -1, FloatRelTol: -1}
}

func (o CompareOptions) floats() bool { return o.FloatAbsTol >= 0 || o.FloatRelTol >= 0 }

// ParseCompareFlags reads the default validator's flags (validator_flags, output_validator_flags,
// or the command line of `judgectl validate`). Unknown flags are an error: a typo would silently
// change what is accepted.
func ParseCompareFlags(args []string) (CompareOptions, error) {
	o := DefaultCompareOptions()
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "case_sensitive":
			o.CaseSensitive = true
		case "space_change_sensitive":
			o.SpaceChangeSensitive = true
		case "float_tolerance", "float_absolute_tolerance", "float_relative_tolerance":
			if i+1 >= len(args) {
				return o, fmt.Errorf("validator flag %s needs a value (e.g. %s 1e-6)", a, a)
			}
			i++
			v, err := strconv.ParseFloat(args[i], 64)
			if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return o, fmt.Errorf("validator flag %s: %q is not a finite non-negative number", a, args[i])
			}
			switch a {
			case "float_tolerance":
				o.FloatAbsTol, o.FloatRelTol = v, v
			case "float_absolute_tolerance":
				o.FloatAbsTol = v
			default:
				o.FloatRelTol = v
			}
		default:
			return o, fmt.Errorf("unknown validator flag %q (known: case_sensitive, space_change_sensitive, float_tolerance E, float_absolute_tolerance E, float_relative_tolerance E)", a)
		}
	}
	return o, nil
}

// Compare is the default output validator: it accepts output for answer under o, and when it
// rejects, says where and why (the text of judgemessage.txt).
func Compare(answer, output []byte, o CompareOptions) (ok bool, message string) {
	ja, ta := scanner{b: answer}, scanner{b: output}
	for n := 1; ; n++ {
		jw, tw := ja.space(), ta.space()
		if o.SpaceChangeSensitive && !bytes.Equal(jw, tw) {
			return false, fmt.Sprintf("space change: expected %s before token %d, got %s", quoteSpace(jw), n, quoteSpace(tw))
		}
		jt, tt := ja.token(), ta.token()
		switch {
		case len(jt) == 0 && len(tt) == 0:
			return true, ""
		case len(jt) == 0:
			return false, fmt.Sprintf("extra output: token %d %q after the end of the answer", n, clip(tt))
		case len(tt) == 0:
			return false, fmt.Sprintf("missing output: expected token %d %q, got end of output", n, clip(jt))
		}
		if ok, why := matchToken(jt, tt, o); !ok {
			return false, fmt.Sprintf("token %d: expected %q, got %q%s", n, clip(jt), clip(tt), why)
		}
	}
}

func matchToken(judge, team []byte, o CompareOptions) (bool, string) {
	if o.floats() {
		if jv, ok := parseFinite(judge); ok {
			tv, ok := parseFinite(team)
			if !ok {
				return false, " (expected a number)"
			}
			diff := math.Abs(jv - tv)
			if (o.FloatAbsTol >= 0 && diff <= o.FloatAbsTol) || (o.FloatRelTol >= 0 && diff <= o.FloatRelTol*math.Abs(jv)) {
				return true, ""
			}
			return false, fmt.Sprintf(" (difference %g beyond tolerance)", diff)
		}
	}
	if o.CaseSensitive {
		return bytes.Equal(judge, team), ""
	}
	return equalFoldASCII(judge, team), ""
}

// parseFinite accepts any float notation strconv knows (decimal, exponent, hex) but not inf or
// nan: a contestant printing "nan" must never match a tolerance.
func parseFinite(b []byte) (float64, bool) {
	if len(b) == 0 || bytes.IndexByte(b, '_') >= 0 { // strconv allows underscores in some forms; C's strtod does not
		return 0, false
	}
	if c := b[0] | 0x20; !(c >= '0' && c <= '9') && c != '.' && b[0] != '+' && b[0] != '-' && c != 'i' && c != 'n' {
		return 0, false // cheap reject of words before allocating a string
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// equalFoldASCII folds only ASCII letters, as Kattis's validator (tolower on bytes) does.
func equalFoldASCII(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() []byte {
	start := s.i
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
	return s.b[start:s.i]
}

func (s *scanner) token() []byte {
	start := s.i
	for s.i < len(s.b) && !isSpace(s.b[s.i]) {
		s.i++
	}
	return s.b[start:s.i]
}

func clip(b []byte) string {
	const max = 60
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

func quoteSpace(b []byte) string {
	if len(b) == 0 {
		return "no whitespace"
	}
	return strconv.Quote(clip(b))
}
