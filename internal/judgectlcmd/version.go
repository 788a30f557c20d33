package judgectlcmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/internal/buildinfo"
)

func newVersionCmd(f *Factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print judgectl's version",
		Args:  exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			info := buildinfo.Get()
			if format != formatTable {
				return writeData(f.IO.Out, format, info)
			}
			_, err := fmt.Fprintln(f.IO.Out, "judgectl", info)
			return err
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", formatTable, "output format: table, json or yaml")
	return cmd
}
