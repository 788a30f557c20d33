// Package verdict owns the judge's verdict vocabulary, in one place: the verdicts and their
// names, the worst-first precedence that combines tests and groups, which verdicts accept and
// which reject, and how a run's outcome or a validator's exit code maps to one. It is a leaf
// (it imports only pkg/run) so that the judge, the engine, the worker, the problem loader, the
// CLI and the TUI share it; the HTTP API keeps its own wire strings and maps to and from these
// at its edge (apiv1.WireVerdict, apiv1.ParseVerdict).
package verdict

import (
	"fmt"
	"strings"

	"github.com/judge-dev/judge/pkg/run"
)

// Verdict is the judge's verdict on a test, a group or a submission. The zero value is no
// verdict yet (a submission still queued or running).
type Verdict string

// The verdicts. Their names are the short forms Kattis and the API use.
const (
	AC  Verdict = "AC"  // accepted
	WA  Verdict = "WA"  // wrong answer
	TLE Verdict = "TLE" // time limit exceeded (CPU, or wall time for sleepers)
	MLE Verdict = "MLE" // memory limit exceeded
	OLE Verdict = "OLE" // output limit exceeded
	RE  Verdict = "RE"  // runtime error
	CE  Verdict = "CE"  // compile error
	IE  Verdict = "IE"  // internal error: the judge's fault, never the program's
	PA  Verdict = "PA"  // partially accepted (a scoring problem below its maximum score)
)

// All lists every verdict, in the order the API documents them.
func All() []Verdict { return []Verdict{AC, WA, TLE, MLE, OLE, RE, CE, IE, PA} }

// precedence is Kattis's worst_error order (JE, RTE, MLE, TLE, OLE, WA), worst first; CE
// cannot meet another verdict (nothing runs), and AC and PA are not errors.
var precedence = []Verdict{IE, RE, MLE, TLE, OLE, WA}

// Precedence is the worst-first order in which rejected test verdicts combine: the worst_error
// mode of a group takes the first of these that any of its results has.
func Precedence() []Verdict { return append([]Verdict(nil), precedence...) }

// Worst is the verdict of a worst_error group: the first of Precedence that vs holds, else AC.
func Worst(vs ...Verdict) Verdict {
	for _, p := range precedence {
		for _, v := range vs {
			if v == p {
				return p
			}
		}
	}
	return AC
}

// Parse reads a verdict's name as the judge writes it ("AC", "TLE", ...).
func Parse(s string) (Verdict, error) {
	for _, v := range All() {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown verdict %q (want one of AC, WA, TLE, MLE, OLE, RE, CE, IE, PA)", s)
}

// String is the verdict's short name ("TLE").
func (v Verdict) String() string { return string(v) }

var names = map[Verdict]string{
	AC: "accepted", WA: "wrong answer", TLE: "time limit exceeded", MLE: "memory limit exceeded",
	OLE: "output limit exceeded", RE: "runtime error", CE: "compile error", IE: "internal error",
	PA: "partially accepted",
}

// Name spells v out for people ("time limit exceeded"); an unknown verdict is its short name.
func (v Verdict) Name() string {
	if n, ok := names[v]; ok {
		return n
	}
	return string(v)
}

// Join is strings.Join of vs's short names.
func Join(vs []Verdict, sep string) string {
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = string(v)
	}
	return strings.Join(names, sep)
}

// Accepted says whether v accepts the submission (AC; PA is a score below the maximum, not a
// rejection, but not an acceptance either).
func (v Verdict) Accepted() bool { return v == AC }

// Rejected says whether v is the program's fault: WA, TLE, MLE, OLE, RE or CE. IE is the
// judge's fault, and AC, PA and no verdict reject nothing.
func (v Verdict) Rejected() bool {
	switch v {
	case WA, TLE, MLE, OLE, RE, CE:
		return true
	}
	return false
}

// Final says whether v ends a submission's judging (every verdict but the zero value).
func (v Verdict) Final() bool { return v != "" }

// OfStatus maps a sandbox status other than OK to the verdict it gives a test: TLE, MLE, OLE
// and RE are the program's; ok is false for OK (the output is still to be validated), CE and
// IE, which a test run does not turn into a verdict by itself.
func OfStatus(s run.Status) (v Verdict, ok bool) {
	switch s {
	case run.TLE:
		return TLE, true
	case run.MLE:
		return MLE, true
	case run.OLE:
		return OLE, true
	case run.RE:
		return RE, true
	}
	return "", false
}

// Validator exit codes, as the problem package format fixes them.
const (
	ExitAccept = 42
	ExitReject = 43
)

// OfValidatorExit maps an output validator's (or interactor's) exit code to a verdict: 42
// accepts, 43 rejects (WA); ok is false for any other code, which is the package's fault.
func OfValidatorExit(code int) (v Verdict, ok bool) {
	switch code {
	case ExitAccept:
		return AC, true
	case ExitReject:
		return WA, true
	}
	return "", false
}
