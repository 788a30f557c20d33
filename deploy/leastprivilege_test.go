package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestOnlyWorkersTalkToDocker: the Docker socket is root-equivalent, so in the systemd units and
// in the compose file only the roles that run the sandbox (worker, and all on one machine) get
// the docker group or the socket. The chart is checked in TestChartLintsRendersAndDecodes.
func TestOnlyWorkersTalkToDocker(t *testing.T) {
	t.Run("systemd", func(t *testing.T) {
		tmpl, err := os.ReadFile("systemd/judged@.service")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(tmpl), "SupplementaryGroups") {
			t.Error("judged@.service grants supplementary groups to every role")
		}
		dropins, err := filepath.Glob("systemd/*.service.d/*.conf")
		if err != nil {
			t.Fatal(err)
		}
		var docker []string
		for _, f := range dropins {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "SupplementaryGroups=") && strings.Contains(line, "docker") {
					docker = append(docker, filepath.Base(filepath.Dir(f)))
				}
			}
		}
		sort.Strings(docker)
		if want := []string{"judged@all.service.d", "judged@worker.service.d"}; !slices.Equal(docker, want) {
			t.Errorf("units with the docker group: %v, want %v", docker, want)
		}
	})

	t.Run("compose", func(t *testing.T) {
		b, err := os.ReadFile("compose/docker-compose.yml")
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Services map[string]struct {
				Volumes  []string `yaml:"volumes"`
				GroupAdd []string `yaml:"group_add"`
				User     string   `yaml:"user"`
				CapDrop  []string `yaml:"cap_drop"`
				Image    string   `yaml:"image"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		var docker []string
		for name, s := range f.Services {
			for _, v := range s.Volumes {
				if strings.Contains(v, "docker.sock") {
					docker = append(docker, name)
				}
			}
			if strings.HasPrefix(s.Image, "judge-judged:") && (s.User == "" || strings.HasPrefix(s.User, "0") || !slices.Contains(s.CapDrop, "ALL")) {
				t.Errorf("service %s runs judged as %q with cap_drop %v, want an unprivileged user and no capabilities", name, s.User, s.CapDrop)
			}
			if len(s.GroupAdd) > 0 && !strings.HasPrefix(name, "worker") {
				t.Errorf("service %s joins groups %v; only workers join the docker group", name, s.GroupAdd)
			}
		}
		sort.Strings(docker)
		if want := []string{"worker1", "worker2"}; !slices.Equal(docker, want) {
			t.Errorf("services with the Docker socket: %v, want %v", docker, want)
		}
		for _, api := range []string{"api1", "api2", "relay1", "relay2", "nginx", "postgres", "kafka", "migrate"} {
			if _, ok := f.Services[api]; !ok {
				t.Errorf("compose has no service %s", api)
			}
		}
	})
}
