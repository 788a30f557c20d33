// Package deploy holds no code: its tests check the deployment files beside it (the Helm chart,
// the Grafana dashboard) against the Kubernetes API types and the metrics judged exports.
package deploy
