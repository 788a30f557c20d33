// Command gendocs regenerates judgectl's shell completions (completions/) and man pages
// (docs/man/): `go generate ./internal/judgectlcmd` or `make completions`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/judge-dev/judge/internal/judgectlcmd"
)

func main() {
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	if err := judgectlcmd.WriteArtifacts(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
