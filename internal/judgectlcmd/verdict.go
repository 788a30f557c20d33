package judgectlcmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/judge/verdict"
)

// verdictExit maps a final verdict (as the API sends it) to judgectl's exit code.
func verdictExit(v string) int {
	vd, err := apiv1.ParseVerdict(v)
	switch {
	case err != nil: // a verdict this judgectl does not know
		return ExitFailure
	case vd == verdict.AC:
		return ExitOK
	case vd == verdict.CE:
		return ExitCompile
	case vd.Rejected() || vd == verdict.PA:
		return ExitRejected
	default: // IE
		return ExitFailure
	}
}

// verdictName spells a verdict (as the API sends it) out for humans.
func verdictName(v string) string {
	vd, err := apiv1.ParseVerdict(v)
	if err != nil {
		return v
	}
	return vd.Name()
}

// worstExit combines exit codes of several submissions: the highest wins.
func worstExit(codes ...int) int {
	w := ExitOK
	for _, c := range codes {
		w = max(w, c)
	}
	return w
}

func fmtMemory(kb int64) string {
	if kb >= 1024 {
		return fmt.Sprintf("%.1f MB", float64(kb)/1024)
	}
	return fmt.Sprintf("%d KB", kb)
}

func testLabel(t apiv1.TestResult) string {
	if t.Name != "" {
		return t.Name
	}
	return fmt.Sprintf("#%d", t.Index)
}

// writeTestLine prints one finished test on one line (used while following).
func writeTestLine(w io.Writer, prefix string, t apiv1.TestResult) {
	extra := ""
	if t.Signal != "" {
		extra = " (" + t.Signal + ")"
	} else if t.Verdict == apiv1.VerdictRE && t.ExitCode != 0 {
		extra = fmt.Sprintf(" (exit %d)", t.ExitCode)
	}
	fmt.Fprintf(w, "%stest %-3d %-22s %-3s %5d ms %9s%s\n", prefix, t.Index, testLabel(t), t.Verdict, t.TimeMS, fmtMemory(t.MemoryKB), extra)
}

// writeSubmission prints a submission for a human: summary, tests, compiler output.
func writeSubmission(w io.Writer, s *apiv1.Submission) {
	fmt.Fprintf(w, "Submission  %s\n", s.ID)
	if s.Problem != "" {
		fmt.Fprintf(w, "Problem     %s\n", s.Problem)
	}
	fmt.Fprintf(w, "Language    %s\n", s.Language)
	fmt.Fprintf(w, "Status      %s\n", s.Status)
	if s.Verdict != "" {
		v := fmt.Sprintf("%s (%s)", s.Verdict, verdictName(s.Verdict))
		if s.Score != nil {
			v += fmt.Sprintf(", score %g", *s.Score)
		}
		fmt.Fprintf(w, "Verdict     %s\n", v)
		fmt.Fprintf(w, "Time        %d ms, memory %s\n", s.TimeMS, fmtMemory(s.MemoryKB))
	}
	if s.Message != "" {
		fmt.Fprintf(w, "Message     %s\n", s.Message)
	}
	if len(s.Tests) > 0 {
		fmt.Fprintln(w, "Tests:")
		for _, t := range s.Tests {
			writeTestLine(w, "  ", t)
		}
	}
	if s.CompileOutput != "" {
		fmt.Fprintln(w, "Compiler output:")
		for _, l := range strings.Split(strings.TrimRight(s.CompileOutput, "\n"), "\n") {
			fmt.Fprintln(w, "  "+l)
		}
	}
}

// submissionExit is the exit code of a submission's state: its verdict's when done, else OK.
func submissionExit(s *apiv1.Submission) int {
	if s.Status != apiv1.StatusDone {
		return ExitOK
	}
	return verdictExit(s.Verdict)
}
