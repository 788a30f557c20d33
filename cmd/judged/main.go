// Command judged is the judge daemon; see `judged --help`.
package main

import (
	"os"

	"github.com/judge-dev/judge/internal/judgedcmd"
)

func main() { os.Exit(judgedcmd.Main()) }
