package deploy

import (
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/judge-dev/judge/pkg/config"
)

// opsEnv is the variable judged reads its ops listen address from, as the config declares it.
func opsEnv(t *testing.T) string {
	t.Helper()
	f, ok := reflect.TypeOf(config.Config{}).FieldByName("OpsListen")
	if !ok {
		t.Fatal("config.Config has no OpsListen")
	}
	return f.Tag.Get("env")
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%q is not host:port: %v", addr, err)
	}
	return port
}

// TestOpsListenerEverywhere: every role of the compose file and of the systemd units serves its
// ops endpoints (the variable judged reads), on the port Prometheus scrapes; the one-shot
// migrate serves none; the units of one node do not collide.
func TestOpsListenerEverywhere(t *testing.T) {
	env := opsEnv(t)
	if env != "JUDGE_OPS_LISTEN" {
		t.Fatalf("config reads %s; the chart's values (ops.env) and these files say JUDGE_OPS_LISTEN", env)
	}

	t.Run("compose and prometheus", func(t *testing.T) {
		b, err := os.ReadFile("compose/docker-compose.yml")
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Services map[string]struct {
				Environment map[string]string `yaml:"environment"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		pb, err := os.ReadFile("prometheus/prometheus.yml")
		if err != nil {
			t.Fatal(err)
		}
		var prom struct {
			ScrapeConfigs []struct {
				StaticConfigs []struct {
					Targets []string `yaml:"targets"`
				} `yaml:"static_configs"`
			} `yaml:"scrape_configs"`
		}
		if err := yaml.Unmarshal(pb, &prom); err != nil {
			t.Fatal(err)
		}
		scraped := map[string]string{} // service → port
		for _, sc := range prom.ScrapeConfigs {
			for _, st := range sc.StaticConfigs {
				for _, target := range st.Targets {
					host, port, err := net.SplitHostPort(target)
					if err != nil {
						t.Fatalf("target %q: %v", target, err)
					}
					scraped[host] = port
				}
			}
		}
		var roles []string
		for name, s := range f.Services {
			addr, has := s.Environment[env]
			role := strings.TrimRight(name, "0123456789")
			switch role {
			case "api", "relay", "worker":
				roles = append(roles, name)
				if !has {
					t.Errorf("compose service %s sets no %s", name, env)
					continue
				}
				if got := scraped[name]; got != portOf(t, addr) {
					t.Errorf("compose service %s serves ops on %s, prometheus scrapes port %q", name, addr, got)
				}
			default:
				if has {
					t.Errorf("compose service %s sets %s but runs no role", name, env)
				}
			}
		}
		sort.Strings(roles)
		if want := []string{"api1", "api2", "relay1", "relay2", "worker1", "worker2"}; !slices.Equal(roles, want) {
			t.Errorf("judged roles in compose: %v, want %v", roles, want)
		}
	})

	t.Run("systemd", func(t *testing.T) {
		ports := map[string]string{}
		for _, role := range []string{"api", "relay", "worker", "all"} {
			b, err := os.ReadFile(filepath.Join("systemd", "judged@"+role+".service.d", "ops.conf"))
			if err != nil {
				t.Errorf("judged@%s has no ops drop-in: %v", role, err)
				continue
			}
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Environment="+env+"="); ok {
					ports[role] = portOf(t, v)
				}
			}
			if ports[role] == "" {
				t.Errorf("judged@%s's ops drop-in sets no %s", role, env)
			}
		}
		if ports["api"] == ports["relay"] || ports["api"] == ports["worker"] || ports["relay"] == ports["worker"] {
			t.Errorf("ops ports of one node collide: %v", ports)
		}
		tmpl, err := os.ReadFile("systemd/judged@.service")
		if err != nil {
			t.Fatal(err)
		}
		example, err := os.ReadFile("systemd/judged.env.example")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(tmpl), env) || strings.Contains(string(example), env) {
			t.Errorf("%s set for every role of a node (template or env file): the roles would collide", env)
		}
	})
}

// checkChartOps: every long-running workload of the chart serves its ops endpoints on the port
// it declares and annotates for Prometheus; relays and workers are probed there. Only the worker
// gets a Docker endpoint or a supplementary group.
func checkChartOps(t *testing.T, ms []manifest) {
	t.Helper()
	env := opsEnv(t)
	for _, m := range ms {
		spec, ok := podSpec(m)
		if !ok {
			continue
		}
		isWorker := strings.HasSuffix(m.name, "-worker")
		if sc := spec.SecurityContext; !isWorker && sc != nil && len(sc.SupplementalGroups) > 0 {
			t.Errorf("%s joins groups %v; only the worker joins the Docker socket's group", m.name, sc.SupplementalGroups)
		}
		for _, c := range spec.Containers {
			var addr string
			for _, e := range c.Env {
				switch e.Name {
				case env:
					addr = e.Value
				case "JUDGE_DOCKER_HOST", "DOCKER_HOST":
					if !isWorker {
						t.Errorf("%s/%s is given a Docker endpoint (%s)", m.name, c.Name, e.Name)
					}
				}
			}
			if m.kind == "Job" {
				if addr != "" {
					t.Errorf("job %s sets %s but runs no role", m.name, env)
				}
				continue
			}
			if addr == "" {
				t.Errorf("%s/%s sets no %s", m.name, c.Name, env)
				continue
			}
			port := portOf(t, addr)
			var declared string
			for _, p := range c.Ports {
				if p.Name == "ops" {
					declared = strconv.Itoa(int(p.ContainerPort))
				}
			}
			if declared != port {
				t.Errorf("%s/%s serves ops on %s but declares ops port %q", m.name, c.Name, addr, declared)
			}
			if got := templateAnnotations(m)["prometheus.io/port"]; got != port {
				t.Errorf("%s is scraped on port %q, its ops listener is on %s", m.name, got, port)
			}
			if !strings.HasSuffix(m.name, "-api") && (c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Port.String() != "ops") {
				t.Errorf("%s/%s: readiness not probed on its ops port", m.name, c.Name)
			}
		}
	}
}

// templateAnnotations returns the pod template annotations of a Deployment or DaemonSet.
func templateAnnotations(m manifest) map[string]string {
	switch o := m.obj.(type) {
	case *appsv1.Deployment:
		return o.Spec.Template.Annotations
	case *appsv1.DaemonSet:
		return o.Spec.Template.Annotations
	}
	return nil
}
