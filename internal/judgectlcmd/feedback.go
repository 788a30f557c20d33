package judgectlcmd

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aymanbagabas/go-udiff"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/judge/verdict"
)

// maxDiffLines keeps a diff compact: a student needs the first differences, not all of them.
const maxDiffLines = 40

// submissionURL is the API address of a submission, the link a report gives for it.
func submissionURL(base, id string) string {
	if base == "" || id == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/v1/submissions/" + id
}

// verdictMark is a symbol readable in a CI summary at a glance.
func verdictMark(v string) string {
	if v == "" {
		return "⏳"
	}
	switch vd, _ := apiv1.ParseVerdict(v); {
	case vd.Accepted():
		return "✅"
	case vd == verdict.IE:
		return "⚠️"
	}
	return "❌" // rejected, partial, or a verdict this judgectl does not know
}

// writeFeedback writes what a student needs to act on a submission: the verdict, every test's
// verdict, time and memory; for failed sample tests their input, the expected and the actual
// output and a diff; the compiler's output in full. Hidden tests show no data: the API never
// returns it.
func writeFeedback(d *report, base, label string, s *apiv1.Submission) {
	v := s.Verdict
	if v == "" {
		v = s.Status
	}
	title := fmt.Sprintf("%s %s — %s (%s)", verdictMark(s.Verdict), label, v, verdictName(v))
	d.heading(2, title)
	info := []cell{{text: "Submission " + s.ID, href: submissionURL(base, s.ID)}}
	if s.Problem != "" {
		info = append(info, txt("· problem "+s.Problem))
	}
	info = append(info, txt("· language "+s.Language))
	if s.Score != nil {
		info = append(info, txt("· score "+strconv.FormatFloat(*s.Score, 'g', -1, 64)))
	}
	if s.Status == apiv1.StatusDone {
		info = append(info, txt(fmt.Sprintf("· %d ms, %s", s.TimeMS, fmtMemory(s.MemoryKB))))
	}
	d.para(info...)
	if s.Message != "" {
		d.para(txt(s.Message))
	}
	if s.CompileOutput != "" {
		if s.Verdict == apiv1.VerdictCE {
			d.heading(3, "Compiler output")
			d.code("text", s.CompileOutput)
		} else {
			d.details("Compiler warnings", false, func() { d.code("text", s.CompileOutput) })
		}
	}
	if len(s.Tests) == 0 {
		return
	}
	rows := make([][]cell, 0, len(s.Tests))
	for _, t := range s.Tests {
		kind := "sample"
		if t.Hidden {
			kind = "hidden"
		}
		rows = append(rows, []cell{txt(strconv.Itoa(t.Index)), txt(testLabel(t)), txt(kind),
			txt(verdictMark(t.Verdict) + " " + t.Verdict), txt(fmt.Sprintf("%d ms", t.TimeMS)), txt(fmtMemory(t.MemoryKB))})
	}
	d.table([]string{"#", "Test", "Kind", "Verdict", "Time", "Memory"}, rows)
	for _, t := range s.Tests {
		if t.Hidden || t.Verdict == apiv1.VerdictAC {
			continue
		}
		writeSampleFailure(d, t)
	}
	if hidden := countFailedHidden(s.Tests); hidden > 0 {
		d.para(txt(fmt.Sprintf("%d hidden test(s) failed; their data is not shown. Test your program on cases of your own beyond the samples.", hidden)))
	}
}

func countFailedHidden(tests []apiv1.TestResult) int {
	n := 0
	for _, t := range tests {
		if t.Hidden && t.Verdict != apiv1.VerdictAC {
			n++
		}
	}
	return n
}

func writeSampleFailure(d *report, t apiv1.TestResult) {
	d.heading(3, fmt.Sprintf("Sample test %s: %s (%s)", testLabel(t), t.Verdict, verdictName(t.Verdict)))
	if t.Feedback != "" {
		d.para(txt(t.Feedback))
	}
	switch {
	case t.Signal != "":
		d.para(txt("The program was killed by " + t.Signal + "."))
	case t.Verdict == apiv1.VerdictRE && t.ExitCode != 0:
		d.para(txt(fmt.Sprintf("The program exited with status %d.", t.ExitCode)))
	}
	d.details("Input", true, func() { d.code("text", t.Input) })
	d.details("Expected output", true, func() { d.code("text", t.Expected) })
	d.details("Your output", true, func() { d.code("text", t.Stdout) })
	if t.Stderr != "" {
		d.details("Your standard error", false, func() { d.code("text", t.Stderr) })
	}
	if diff := compactDiff(t.Expected, t.Stdout); diff != "" {
		d.details("Difference (- expected, + yours)", true, func() { d.code("diff", diff) })
	}
}

// compactDiff is a unified diff of expected and actual output, cut after maxDiffLines lines.
func compactDiff(expected, actual string) string {
	if expected == actual || expected == "" && actual == "" {
		return ""
	}
	diff := udiff.Unified("expected", "yours", expected, actual)
	lines := strings.Split(strings.TrimSuffix(diff, "\n"), "\n")
	if len(lines) > maxDiffLines {
		lines = append(lines[:maxDiffLines], fmt.Sprintf("… %d more diff lines", len(lines)-maxDiffLines))
	}
	return strings.Join(lines, "\n") + "\n"
}

// writeFeedbackReport writes one or more submissions as a Markdown or HTML document.
func writeFeedbackReport(ios *IOStreams, format, base string, subs []*apiv1.Submission, labels []string) error {
	d := newReport(ios.Out, format, "Judge feedback")
	for i, s := range subs {
		label := s.ID
		if i < len(labels) {
			label = labels[i]
		} else if s.Problem != "" {
			label = s.Problem
		}
		writeFeedback(d, base, label, s)
	}
	return d.close()
}
