package judgectlcmd

import "github.com/spf13/cobra"

// newProblemCmd is the parent of the problem verbs (push, list, show, verify).
func newProblemCmd(_ *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "problem",
		Short: "Push, list, show and verify problem packages (Kattis / ICPC format)",
	}
}
