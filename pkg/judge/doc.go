// Package judge owns the verdict logic: the default output validator (Kattis semantics),
// custom and interactive validators, test groups, scoring and the order of verdict precedence.
// It is pure logic with no I/O of its own: it runs programs only through the run.Program and
// run.Starter interfaces, which the sandbox satisfies, so it is tested with fakes and the store
// and the API can use its types without reaching Docker. Compiling the submission and its
// validators is pkg/engine's job; the limits it gets are already resolved.
package judge
