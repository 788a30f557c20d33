// The examples are problem packages whose submissions include Go programs; this file makes them
// a module of their own so that `go build ./...` and `go vet ./...` of the judge skip them.
module github.com/judge-dev/judge/examples

go 1.26
