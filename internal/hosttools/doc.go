// Package hosttools owns the proof that a fresh machine needs nothing installed by hand.
//
// scripts/host-tools.tsv names every external command that the project's scripts, Makefile and
// Go code (tests included) execute on the host, with where it comes from: a Debian package that
// the scripts install when it is missing (`need_commands` in scripts/stack-lib.sh), or `machine`
// for what every fresh machine of this project's kind already has. The test in this package parses
// the scripts with a real shell parser and the Go code with go/ast and fails on any command the
// manifest does not name, on any package the scripts never install, and on a manifest entry that
// names the wrong package.
package hosttools
