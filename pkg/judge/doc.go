// Package judge owns the verdict logic: the default output validator (Kattis semantics),
// custom and interactive validators, test groups, scoring and the order of verdict precedence.
// It is pure logic with no I/O of its own: it runs programs only through the small Program,
// Starter and Process interfaces declared here, which the sandbox satisfies, so the store and
// the API can use its types without reaching Docker.
package judge
