package image_test

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/image"
	"github.com/judge-dev/judge/pkg/lang"
)

// assertNoCheckContainers fails t when a check container outlived its check.
func assertNoCheckContainers(t *testing.T, d *client.Client) {
	t.Helper()
	list, err := d.ContainerList(context.Background(), client.ContainerListOptions{
		All: true, Filters: make(client.Filters).Add("label", image.CheckLabel),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The version probe's container is committed into the runtime image, so its label is baked
	// into the image and every sandbox container made from it carries the label too: those belong
	// to the sandbox (and to other tests running at the same time), not to Check.
	n := 0
	for _, c := range list.Items {
		if c.Labels["dev.judge.sandbox"] == "" {
			n++
		}
	}
	if n != 0 {
		t.Errorf("%d check containers left behind", n)
	}
}

func checkLanguages(t *testing.T, d *client.Client, recipe string) {
	tab, err := lang.Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range tab.All() {
		if l.Image != recipe {
			continue
		}
		t.Run(l.ID, func(t *testing.T) {
			r := image.Check(t.Context(), d, l)
			if !r.OK {
				t.Fatalf("%s in %s: %v\n%s", l.ID, r.Image, r.Err, r.Output)
			}
			if r.Run <= 0 || (l.Compiled() && r.Compile <= 0) {
				t.Errorf("times not measured: compile %s, run %s", r.Compile, r.Run)
			}
		})
	}
	assertNoCheckContainers(t, d)
}

func TestCheckBaseLanguages(t *testing.T) {
	d := testenv.Docker(t)
	testenv.Image(t, "base")
	checkLanguages(t, d, "base")
}

func TestCheckOtherLanguages(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every language of the table; skipped with -short")
	}
	d := testenv.Docker(t)
	for _, name := range image.Recipes() {
		if name == "base" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			testenv.Image(t, name)
			checkLanguages(t, d, name)
		})
	}
}

func TestCheckReportsFailures(t *testing.T) {
	d := testenv.Docker(t)
	testenv.Image(t, "base")
	c := lang.Language{ID: "c", Image: "base", SourceFile: "main.c", Run: []string{"./main"}}

	tests := []struct {
		name       string
		edit       func(l *lang.Language)
		wantErr    string
		wantOutput string
	}{
		{"compile error", func(l *lang.Language) {
			l.Compile = []string{"gcc", "-include", "/nonexistent.h", "-o", "main", "{source}"}
		}, "compile: exit status 1", "nonexistent.h"},
		{"wrong output", func(l *lang.Language) { l.Run = []string{"echo", "42"} }, `printed "42"`, "42"},
		{"runtime error", func(l *lang.Language) { l.Run = []string{"sh", "-c", "echo boom >&2; exit 3"} }, "run: exit status 3", "boom"},
		{"missing image", func(l *lang.Language) { l.Image = "judge-runtime-nope:000000000000" }, "run `judged image build`", ""},
		{"no network", func(l *lang.Language) {
			l.Run = []string{"python3", "-c", "import socket; socket.create_connection(('1.1.1.1', 53), timeout=2)"}
		}, "run: exit status 1", "OSError"},
		{"out of memory", func(l *lang.Language) {
			l.CompileLimits.MemoryBytes = 64 << 20
			l.Run = []string{"python3", "-c", "x = bytearray(512 << 20); print(len(x))"}
		}, "killed by SIGKILL", ""},
		{"read-only root", func(l *lang.Language) { l.Run = []string{"touch", "/usr/x"} }, "run: exit status 1", "Read-only file system"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := c
			l.Compile = []string{"gcc", "-o", "main", "{source}"}
			tc.edit(&l)
			r := image.Check(t.Context(), d, l)
			if r.OK || r.Err == nil {
				t.Fatalf("Check passed, want a failure (%s)", tc.wantErr)
			}
			if !strings.Contains(r.Err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want it to contain %q", r.Err, tc.wantErr)
			}
			if !strings.Contains(r.Output, tc.wantOutput) {
				t.Errorf("output = %q, want it to contain %q", r.Output, tc.wantOutput)
			}
		})
	}
	assertNoCheckContainers(t, d)

	r := image.Check(t.Context(), d, lang.Language{ID: "brainfuck", Image: "base", SourceFile: "main.bf", Run: []string{"bf"}})
	if r.Skipped == "" || r.OK || r.Err != nil {
		t.Errorf("language without a check program: %+v, want skipped", r)
	}
}
