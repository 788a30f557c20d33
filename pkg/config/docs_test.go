package config

import (
	"os"
	"strings"
	"testing"
)

// TestConfigurationDocListsEverySetting keeps docs/configuration.md true as settings are added.
func TestConfigurationDocListsEverySetting(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	c := Default()
	forEachField(&c, func(f field) {
		for _, name := range []string{"`" + f.yaml + "`", "`" + f.env + "`", "`--" + f.flag + "`"} {
			if !strings.Contains(string(doc), name) {
				t.Errorf("docs/configuration.md does not mention %s", name)
			}
		}
	})
}
