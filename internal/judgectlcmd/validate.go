package judgectlcmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/judge"
)

// Exit codes of a Kattis output validator; `judgectl validate` is one, so it keeps them.
const (
	validatorAccept = 42
	validatorReject = 43
)

// ValidateOptions are the arguments of `judgectl validate`.
type ValidateOptions struct {
	IO          *IOStreams
	Input       string
	Answer      string
	FeedbackDir string
	Flags       []string
}

// newValidateCmd is the default output validator as a Kattis-compatible program.
func newValidateCmd(f *Factory, runF func(context.Context, *ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:         "validate JUDGE_IN JUDGE_ANS FEEDBACK_DIR [flags...] < OUTPUT",
		Annotations: map[string]string{annotationExitStatus: "42\taccepted: the output matches the answer\n43\trejected: the reason is in FEEDBACK_DIR/judgemessage.txt\n3\tusage error or unreadable files"},
		Short:       "Run the default output validator (Kattis-compatible: exit 42 accept, 43 reject)",
		Long: `Compare a program's output (stdin) with the judge's answer exactly as the Kattis default
output validator does, and write the reason of a rejection to FEEDBACK_DIR/judgemessage.txt.

Validator flags: case_sensitive, space_change_sensitive, float_tolerance E,
float_absolute_tolerance E, float_relative_tolerance E.

Exit codes: 42 accepted, 43 rejected, 3 bad usage or unreadable files.`,
		Example:            `  ./prog < 1.in | judgectl validate 1.in 1.ans /tmp/fb float_tolerance 1e-6`,
		Args:               cobra.MinimumNArgs(3),
		DisableFlagParsing: true, // validator flags are positional words, and may look like anything
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 3 {
				return flagErrorf("validate needs JUDGE_IN JUDGE_ANS FEEDBACK_DIR, got %d argument(s)", len(args))
			}
			opts.Input, opts.Answer, opts.FeedbackDir, opts.Flags = args[0], args[1], args[2], args[3:]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return validateRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func validateRun(_ context.Context, opts *ValidateOptions) error {
	co, err := judge.ParseCompareFlags(opts.Flags)
	if err != nil {
		return flagErrorf("%w", err)
	}
	if _, err := os.Stat(opts.Input); err != nil {
		return fmt.Errorf("judge input: %w", err)
	}
	answer, err := os.ReadFile(opts.Answer)
	if err != nil {
		return fmt.Errorf("judge answer: %w", err)
	}
	if st, err := os.Stat(opts.FeedbackDir); err != nil || !st.IsDir() {
		return fmt.Errorf("feedback dir %q must be an existing directory", opts.FeedbackDir)
	}
	output, err := io.ReadAll(opts.IO.In)
	if err != nil {
		return fmt.Errorf("read output from stdin: %w", err)
	}
	ok, msg := judge.Compare(answer, output, co)
	if ok {
		return &ExitError{Code: validatorAccept}
	}
	if err := os.WriteFile(filepath.Join(opts.FeedbackDir, "judgemessage.txt"), []byte(msg+"\n"), 0o644); err != nil {
		return fmt.Errorf("write judgemessage.txt: %w", err)
	}
	return &ExitError{Code: validatorReject}
}
