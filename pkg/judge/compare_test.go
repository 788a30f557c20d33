package judge

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		output string
		flags  string
		want   bool
	}{
		{"exact", "3\n", "3\n", "", true},
		{"missing newline", "3\n", "3", "", true},
		{"extra spaces and tabs", "1 2\n3\n", "  1\t2   3  \n\n", "", true},
		{"extra token", "1 2", "1 2 3", "", false},
		{"missing token", "1 2", "1", "", false},
		{"empty both", "", "  \n", "", true},
		{"empty answer extra output", "", "x", "", false},
		{"case insensitive", "Hello World", "hELLO wORLD", "", true},
		{"case sensitive rejects", "Hello", "hello", "case_sensitive", false},
		{"case sensitive accepts", "Hello", "Hello", "case_sensitive", true},
		{"non-ascii not folded", "É", "é", "", false},
		{"space change sensitive exact", "1 2\n", "1 2\n", "space_change_sensitive", true},
		{"space change sensitive double space", "1 2\n", "1  2\n", "space_change_sensitive", false},
		{"space change sensitive missing newline", "1 2\n", "1 2", "space_change_sensitive", false},
		{"space change sensitive tab vs space", "1 2", "1\t2", "space_change_sensitive", false},
		{"float not set exact string", "0.5", "0.50", "", false},
		{"float abs within", "1.0", "1.00009", "float_absolute_tolerance 1e-4", true},
		{"float abs beyond", "1.0", "1.0002", "float_absolute_tolerance 1e-4", false},
		{"float rel within", "1000000", "1000001", "float_relative_tolerance 1e-6", true},
		{"float rel beyond", "1000000", "1000002", "float_relative_tolerance 1e-6", false},
		{"float either abs or rel", "1000", "1000.5", "float_absolute_tolerance 1 float_relative_tolerance 1e-9", true},
		{"float tolerance both", "0.0314", "3.14000000e-2", "float_tolerance 1e-9", true},
		{"float hex notation", "0.25", "0x1p-2", "float_tolerance 1e-9", true},
		{"float leading plus and dot", "0.5", "+.5", "float_tolerance 1e-9", true},
		{"float team nan rejected", "1", "nan", "float_tolerance 1e9", false},
		{"float team inf rejected", "1", "inf", "float_tolerance 1e9", false},
		{"float team word rejected", "1", "one", "float_tolerance 1", false},
		{"float judge word compared as string", "yes", "YES", "float_tolerance 1e-6", true},
		{"float judge inf compared as string", "inf", "INF", "float_tolerance 1e-6", true},
		{"float judge inf team huge", "inf", "1e308", "float_tolerance 1e-6", false},
		{"float integer judge token", "2", "2.0000001", "float_tolerance 1e-6", true},
		{"float underscore rejected", "1000", "1_000", "float_tolerance 1e-6", false},
		{"float extra token", "1.0", "1.0 2.0", "float_tolerance 1e-6", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseCompareFlags(strings.Fields(tc.flags))
			if err != nil {
				t.Fatal(err)
			}
			got, msg := Compare([]byte(tc.answer), []byte(tc.output), o)
			if got != tc.want {
				t.Fatalf("Compare(%q, %q, %q) = %v (%s), want %v", tc.answer, tc.output, tc.flags, got, msg, tc.want)
			}
			if !got && msg == "" {
				t.Fatalf("rejection without a message")
			}
		})
	}
}

func TestParseCompareFlagsErrors(t *testing.T) {
	for _, flags := range []string{"case_sensitiv", "float_tolerance", "float_tolerance x", "float_tolerance -1", "float_relative_tolerance nan"} {
		if _, err := ParseCompareFlags(strings.Fields(flags)); err == nil {
			t.Errorf("ParseCompareFlags(%q) accepted bad flags", flags)
		}
	}
}

// FuzzCompare checks properties that hold for every input: identical output is accepted under
// every option set; whitespace reshaping and ASCII case changes are accepted when the options
// allow them; appending a token is always rejected; nothing panics.
func FuzzCompare(f *testing.F) {
	f.Add([]byte("1 2\n3\n"), []byte("1 2 3"), uint8(0))
	f.Add([]byte("Hello World\n"), []byte("hello world"), uint8(1))
	f.Add([]byte("0.0314\n"), []byte("3.14e-2"), uint8(4))
	f.Add([]byte("inf nan 0x1p3"), []byte("INF NaN 8"), uint8(6))
	f.Add([]byte(" \t\v\f\r\n"), []byte(""), uint8(2))
	f.Fuzz(func(t *testing.T, answer, output []byte, mode uint8) {
		o := DefaultCompareOptions()
		o.CaseSensitive = mode&1 != 0
		o.SpaceChangeSensitive = mode&2 != 0
		if mode&4 != 0 {
			o.FloatAbsTol = 1e-6
		}
		if mode&8 != 0 {
			o.FloatRelTol = 1e-6
		}
		Compare(answer, output, o) // must not panic on arbitrary pairs

		if ok, msg := Compare(answer, answer, o); !ok {
			t.Fatalf("answer rejected against itself (%+v): %s", o, msg)
		}
		if !o.SpaceChangeSensitive {
			reshaped := []byte(strings.Join(strings.FieldsFunc(string(answer), func(r rune) bool { return r < 128 && isSpace(byte(r)) }), "\n  \t"))
			if ok, msg := Compare(answer, reshaped, o); !ok {
				t.Fatalf("whitespace-reshaped answer rejected (%+v): %s", o, msg)
			}
		}
		if !o.CaseSensitive {
			upper := bytes.Clone(answer)
			for i, c := range upper {
				if 'a' <= c && c <= 'z' {
					upper[i] = c - 'a' + 'A'
				}
			}
			if ok, msg := Compare(answer, upper, o); !ok {
				t.Fatalf("upper-cased answer rejected (%+v): %s", o, msg)
			}
		}
		extra := append(append([]byte{}, answer...), " extra"...)
		if ok, _ := Compare(answer, extra, o); ok {
			t.Fatalf("output with an extra token accepted (%+v)", o)
		}
	})
}

// BenchmarkCompare measures the default validator on 1 MiB-scale outputs: 100k integer tokens,
// and the same as floats under a tolerance.
func BenchmarkCompare(b *testing.B) {
	var ints, floats strings.Builder
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&ints, "%d\n", i*7919)
		fmt.Fprintf(&floats, "%.9f\n", float64(i)/7.0)
	}
	for _, bc := range []struct {
		name  string
		data  string
		flags []string
	}{{"ints", ints.String(), nil}, {"floats_tolerance", floats.String(), []string{"float_tolerance", "1e-6"}}} {
		o, err := ParseCompareFlags(bc.flags)
		if err != nil {
			b.Fatal(err)
		}
		answer, output := []byte(bc.data), []byte(bc.data)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(answer)))
			for b.Loop() {
				if ok, msg := Compare(answer, output, o); !ok {
					b.Fatal(msg)
				}
			}
		})
	}
}
