package judgectlcmd

import (
	"strings"

	"github.com/spf13/cobra"
)

// annotationExitStatus names a command's own exit codes for its man page, as lines of
// "CODE<TAB>meaning"; commands without it get exitStatusGeneral.
const annotationExitStatus = "judgectl/exit-status"

// Exit code tables of the man pages; errors.go holds the codes themselves.
const (
	exitStatusGeneral = "0\tsuccess\n3\tusage error, network or server error\n130\tinterrupted by SIGINT (Ctrl-C); 143 for SIGTERM"
	exitStatusVerdict = "0\taccepted (AC), or still queued or running\n1\trejected: WA, TLE, MLE, OLE, RE or PA\n2\tcompile error (CE)\n3\tjudge error (IE), usage error, network or server error\n130\tinterrupted by SIGINT (Ctrl-C); 143 for SIGTERM"
)

// manEnvironment is the ENVIRONMENT section, the same for every command.
var manEnvironment = [][2]string{
	{"JUDGE_SERVER", "URL of the judge server; --server overrides it, it overrides the config file."},
	{"JUDGE_TOKEN", "API token; --token overrides it, it overrides the config file."},
	{"JUDGECTL_CONFIG", "path of the config file (default: <user config dir>/judge/config.yaml)."},
	{"NO_COLOR", "when set to a non-empty value, watch draws without colours (https://no-color.org)."},
	{"TERM", "dumb turns colours off."},
	{"JUDGE_DOCKER_HOST", "Docker endpoint of problem verify --local (default: DOCKER_HOST, then the local socket)."},
}

// manSections renders EXIT STATUS and ENVIRONMENT in roff for c's man page.
func manSections(c *cobra.Command) string {
	exit := c.Annotations[annotationExitStatus]
	if exit == "" {
		exit = exitStatusGeneral
	}
	var b strings.Builder
	b.WriteString(".SH EXIT STATUS\n")
	for _, line := range strings.Split(exit, "\n") {
		code, meaning, _ := strings.Cut(line, "\t")
		b.WriteString(".TP\n\\fB" + code + "\\fP\n" + roffEscape(meaning) + "\n")
	}
	b.WriteString("\n\n.SH ENVIRONMENT\n")
	for _, e := range manEnvironment {
		b.WriteString(".TP\n\\fB" + e[0] + "\\fP\n" + roffEscape(e[1]) + "\n")
	}
	b.WriteString("\n\n")
	return b.String()
}

// roffEscape keeps a line of text from being read as a roff request or escape.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// insertManSections puts the sections before SEE ALSO (or at the end) of a generated page.
func insertManSections(page []byte, c *cobra.Command) []byte {
	s := string(page)
	sec := manSections(c)
	if i := strings.Index(s, ".SH SEE ALSO"); i >= 0 {
		return []byte(s[:i] + sec + s[i:])
	}
	return []byte(s + "\n" + sec)
}
