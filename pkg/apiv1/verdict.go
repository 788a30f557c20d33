package apiv1

import (
	"fmt"

	"github.com/judge-dev/judge/pkg/judge/verdict"
)

// wireVerdicts is the one mapping between the judge's verdicts and the wire's strings.
var wireVerdicts = map[verdict.Verdict]string{
	verdict.AC: VerdictAC, verdict.WA: VerdictWA, verdict.TLE: VerdictTLE, verdict.MLE: VerdictMLE,
	verdict.OLE: VerdictOLE, verdict.RE: VerdictRE, verdict.CE: VerdictCE, verdict.IE: VerdictIE,
	verdict.PA: VerdictPA,
}

// WireVerdict is v as the API sends it; no verdict (a submission not judged yet) is "".
func WireVerdict(v verdict.Verdict) string {
	if v == "" {
		return ""
	}
	if w, ok := wireVerdicts[v]; ok {
		return w
	}
	// A verdict the table lacks is a bug caught by the test of this table; say IE rather
	// than send a string no client knows.
	return VerdictIE
}

// ParseVerdict is the judge's verdict of a wire string; "" is no verdict.
func ParseVerdict(s string) (verdict.Verdict, error) {
	if s == "" {
		return "", nil
	}
	for v, w := range wireVerdicts {
		if w == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown verdict %q", s)
}
