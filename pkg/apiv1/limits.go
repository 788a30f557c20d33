package apiv1

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// UnmarshalJSON reads Limits as JSON Schema reads integers: 812 and 812.0 are the same integer
// (api/openapi.yaml says "integer", and generated clients may send either), while 812.5 or an
// unknown field is an error.
func (l *Limits) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("limits: want an object of whole numbers: %w", err)
	}
	var out Limits
	for k, v := range raw {
		n, err := wholeNumber(string(bytes.TrimSpace(v)))
		if err != nil {
			return fmt.Errorf("limits.%s: %w", k, err)
		}
		switch k {
		case "time_ms":
			out.TimeMS = int(n)
		case "memory_kb":
			out.MemoryKB = n
		case "output_kb":
			out.OutputKB = n
		case "wall_time_ms":
			out.WallTimeMS = int(n)
		case "processes":
			out.Processes = int(n)
		case "file_size_kb":
			out.FileSizeKB = n
		default:
			return fmt.Errorf("unknown field %q in limits (time_ms, memory_kb, output_kb, wall_time_ms, processes, file_size_kb)", k)
		}
	}
	*l = out
	return nil
}

// wholeNumber is the JSON number v as an int64 when it is one (812 or 812.0), within ±2^53.
func wholeNumber(v string) (int64, error) {
	if v == "" || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, fmt.Errorf("%s is not a number", v)
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%s is not a whole number", v)
	}
	return int64(f), nil
}
