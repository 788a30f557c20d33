// Command judgectl is the judge's command-line client and TUI; see `judgectl --help`.
package main

import (
	"os"

	"github.com/judge-dev/judge/internal/judgectlcmd"
)

func main() { os.Exit(judgectlcmd.Main()) }
