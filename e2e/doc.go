// Package e2e holds the end-to-end and fault tests of the whole judge: real PostgreSQL, Kafka and
// Docker from the local stack, and judged built once and run as separate processes (API
// replicas, relays, workers), driven over HTTP like any client. See cluster_test.go for the
// harness.
package e2e
