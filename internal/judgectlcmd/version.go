package judgectlcmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/internal/buildinfo"
)

func newVersionCmd(f *Factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use: "version",
		Example: `  judgectl version
  judgectl version -o json`,
		Short: "Print judgectl's version",
		Args:  exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			info := buildinfo.Get()
			if format != formatTable {
				return writeData(f.IO.Out, format, info)
			}
			_, err := fmt.Fprintln(f.IO.Out, "judgectl", info)
			return err
		},
	}
	addOutputFlag(cmd, &format, formatTable)
	return cmd
}
