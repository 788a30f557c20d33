package deploy

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// helmVersion is the pinned helm, run as a Go tool (`go run`), so nothing is installed.
const helmVersion = "helm.sh/helm/v3/cmd/helm@v3.22.0"

const chart = "helm/judge"

// helm runs the pinned helm with args and returns its stdout.
func helm(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", helmVersion}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// manifest is one rendered document, decoded strictly into its Kubernetes API type.
type manifest struct {
	kind, name string
	obj        any
}

// newObject returns an empty object of the API type of apiVersion/kind.
func newObject(apiVersion, kind string) (any, error) {
	switch apiVersion + "/" + kind {
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "v1/Secret":
		return &corev1.Secret{}, nil
	case "v1/Service":
		return &corev1.Service{}, nil
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}, nil
	case "apps/v1/DaemonSet":
		return &appsv1.DaemonSet{}, nil
	case "batch/v1/Job":
		return &batchv1.Job{}, nil
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, nil
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	case "networking.k8s.io/v1/NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, nil
	}
	return nil, fmt.Errorf("no API type known for %s %s", apiVersion, kind)
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

// decodeAll splits helm's output and strictly decodes every document: an unknown or misspelt
// field, a wrong type or an unknown kind is an error.
func decodeAll(rendered string) ([]manifest, error) {
	var out []manifest
	for _, doc := range docSep.Split(rendered, -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			return nil, fmt.Errorf("read a document: %w\n%s", err, doc)
		}
		obj, err := newObject(head.APIVersion, head.Kind)
		if err != nil {
			return nil, err
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			return nil, fmt.Errorf("%s %s: %w", head.Kind, head.Metadata.Name, err)
		}
		out = append(out, manifest{kind: head.Kind, name: head.Metadata.Name, obj: obj})
	}
	return out, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func TestDecodeIsStrict(t *testing.T) {
	bad := map[string]string{
		"misspelt field": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 2\n",
		"wrong type":     "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: {port: 80}\n",
		"unknown kind":   "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n",
	}
	for name, doc := range bad {
		if _, err := decodeAll(doc); err == nil {
			t.Errorf("%s: decoded without an error", name)
		}
	}
	if m, err := decodeAll("# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"); err != nil || len(m) != 1 {
		t.Errorf("a valid document: %v, %d manifests", err, len(m))
	}
}

// podSpec returns the pod template of a workload.
func podSpec(m manifest) (*corev1.PodSpec, bool) {
	switch o := m.obj.(type) {
	case *appsv1.Deployment:
		return &o.Spec.Template.Spec, true
	case *appsv1.DaemonSet:
		return &o.Spec.Template.Spec, true
	case *batchv1.Job:
		return &o.Spec.Template.Spec, true
	}
	return nil, false
}

func TestChartLintsRendersAndDecodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds helm with go run")
	}
	out := helm(t, "lint", "--strict", chart)
	if !strings.Contains(out, "0 chart(s) failed") {
		t.Fatalf("helm lint: %s", out)
	}
	variants := map[string][]string{
		"defaults":           nil,
		"worker deployment":  {"--set", "worker.kind=Deployment", "--set", "worker.replicas=3"},
		"no hpa, no netpols": {"--set", "api.autoscaling.enabled=false", "--set", "networkPolicy.enabled=false"},
		"existing secret":    {"--set", "database.existingSecret=judge-db"},
	}
	for name, set := range variants {
		t.Run(name, func(t *testing.T) {
			rendered := helm(t, append([]string{"template", "judge", chart, "--namespace", "judge"}, set...)...)
			ms, err := decodeAll(rendered)
			if err != nil {
				t.Fatal(err)
			}
			checkManifests(t, name, ms)
		})
	}
}

func checkManifests(t *testing.T, variant string, ms []manifest) {
	t.Helper()
	kinds := map[string]int{}
	for _, m := range ms {
		kinds[m.kind]++
	}
	want := map[string]int{"Deployment": 2, "DaemonSet": 1, "Service": 1, "HorizontalPodAutoscaler": 1,
		"PodDisruptionBudget": 3, "NetworkPolicy": 5, "Job": 1, "ConfigMap": 1, "Secret": 1}
	switch variant {
	case "worker deployment":
		want["Deployment"], want["DaemonSet"] = 3, 0
	case "no hpa, no netpols":
		want["HorizontalPodAutoscaler"], want["NetworkPolicy"] = 0, 0
	case "existing secret":
		want["Secret"] = 0
	}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d %s rendered, want %d (all: %v)", kinds[k], k, n, kinds)
		}
	}

	var socketUsers []string
	for _, m := range ms {
		spec, ok := podSpec(m)
		if !ok {
			continue
		}
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			t.Errorf("%s %s mounts a service account token; no role talks to the Kubernetes API", m.kind, m.name)
		}
		for _, c := range spec.Containers {
			sc := c.SecurityContext
			switch {
			case sc == nil:
				t.Errorf("%s/%s: no securityContext", m.name, c.Name)
				continue
			case sc.Privileged != nil && *sc.Privileged:
				t.Errorf("%s/%s is privileged", m.name, c.Name)
			case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot:
				t.Errorf("%s/%s may run as root", m.name, c.Name)
			case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
				t.Errorf("%s/%s allows privilege escalation", m.name, c.Name)
			case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
				t.Errorf("%s/%s keeps capabilities: %+v", m.name, c.Name, sc.Capabilities)
			}
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
				t.Errorf("%s/%s has no CPU or memory request", m.name, c.Name)
			}
			if m.kind != "Job" {
				if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" ||
					c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
					t.Errorf("%s/%s: want liveness on /healthz and readiness on /readyz", m.name, c.Name)
				}
			}
		}
		for _, v := range spec.Volumes {
			if v.HostPath != nil && strings.HasSuffix(v.HostPath.Path, "docker.sock") {
				socketUsers = append(socketUsers, m.name)
				if len(spec.NodeSelector) == 0 {
					t.Errorf("%s mounts the Docker socket without a nodeSelector", m.name)
				}
			}
		}
	}
	sort.Strings(socketUsers)
	if !slices.Equal(socketUsers, []string{"judge-worker"}) {
		t.Errorf("workloads with the Docker socket: %v, want only the worker", socketUsers)
	}
	checkChartOps(t, ms)
	for _, m := range ms {
		switch o := m.obj.(type) {
		case *appsv1.Deployment:
			if strings.HasSuffix(m.name, "-relay") && (o.Spec.Replicas == nil || *o.Spec.Replicas != 2) {
				t.Errorf("relay replicas %v, want 2", o.Spec.Replicas)
			}
		case *autoscalingv2.HorizontalPodAutoscaler:
			if o.Spec.ScaleTargetRef.Name != "judge-api" || o.Spec.MinReplicas == nil || *o.Spec.MinReplicas < 2 {
				t.Errorf("HPA targets %s with min %v, want the API with at least 2", o.Spec.ScaleTargetRef.Name, o.Spec.MinReplicas)
			}
		case *batchv1.Job:
			if o.Annotations["helm.sh/hook"] == "" {
				t.Errorf("job %s is not a helm hook: migrations must run before the roles start", m.name)
			}
		}
	}
}
