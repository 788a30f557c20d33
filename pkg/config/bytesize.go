package config

import (
	"fmt"
	"strconv"
	"strings"
)

// ByteSize is a number of bytes written with an optional binary unit: 1048576, 512KiB, 64MiB,
// 1GiB (K, M, G and KB, MB, GB mean the same binary units).
type ByteSize int64

var byteUnits = []struct {
	suffix string
	shift  uint
}{
	{"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"GB", 30}, {"MB", 20}, {"KB", 10}, {"G", 30}, {"M", 20}, {"K", 10}, {"B", 0},
}

// ParseByteSize reads a ByteSize.
func ParseByteSize(s string) (ByteSize, error) {
	raw := strings.TrimSpace(s)
	num, shift := raw, uint(0)
	for _, u := range byteUnits {
		if strings.HasSuffix(raw, u.suffix) {
			num, shift = strings.TrimSpace(strings.TrimSuffix(raw, u.suffix)), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)>>shift {
		return 0, fmt.Errorf("%q is not a size like 256MiB, 1GiB or a number of bytes", s)
	}
	return ByteSize(n << shift), nil
}

// String writes b in the largest unit that divides it.
func (b ByteSize) String() string {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if b != 0 && b%(1<<u.shift) == 0 {
			return strconv.FormatInt(int64(b)>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// Set and Type make a ByteSize a command-line flag value (pflag.Value).
func (b *ByteSize) Set(s string) error {
	v, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

func (*ByteSize) Type() string { return "size" }

// MarshalYAML prints a ByteSize with its unit (`judged config print`).
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }
