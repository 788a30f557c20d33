package judgectlcmd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/srcfiles"
)

func paths(files []apiv1.SourceFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

// project is a C program in a folder with what a student's working copy also holds: a git
// folder, build outputs, an editor's hidden file, a binary data file.
func project(t *testing.T) string {
	dir := t.TempDir()
	writeFile(t, dir, "main.c", "#include \"lib/sum.h\"\nint main(void) { return 0; }\n")
	writeFile(t, dir, "lib/sum.h", "int sum(int, int);\n")
	writeFile(t, dir, "lib/sum.c", "int sum(int a, int b) { return a + b; }\n")
	writeFile(t, dir, "data/table.bin", "\x00\x01\x02")
	writeFile(t, dir, ".git/HEAD", "ref: refs/heads/main\n")
	writeFile(t, dir, ".main.c.swp", "junk")
	writeFile(t, dir, "build/main", "ELF")
	writeFile(t, dir, "lib/sum.o", "ELF")
	return dir
}

func TestSubmitFolderIsOneMultiFileSubmission(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	dir := project(t)
	r := judgectl(t, f, "submit", dir, "--problem", "hello", "--wait")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	req := api.lastRequest()
	want := []string{"data/table.bin", "lib/sum.c", "lib/sum.h", "main.c"}
	if api.posts != 1 || req.Language != "c" || req.Source != "" || req.Entry != "main.c" || !slices.Equal(paths(req.Files), want) {
		t.Fatalf("posts %d, request language %q entry %q files %v; want one c submission of %v with entry main.c", api.posts, req.Language, req.Entry, paths(req.Files), want)
	}
	if bin := req.Files[0]; bin.Content != nil || bin.ContentBase64 == nil || *bin.ContentBase64 != "AAEC" {
		t.Errorf("binary file sent as %+v, want content_base64 AAEC", bin)
	}

	// --entry picks another file; one that is not sent is refused before anything is.
	r = judgectl(t, f, "submit", dir, "-p", "hello", "--entry", "lib/sum.c")
	if r.code != 0 || api.lastRequest().Entry != "lib/sum.c" {
		t.Fatalf("--entry: exit %d entry %q\n%s", r.code, api.lastRequest().Entry, r.errOut)
	}
	r = judgectl(t, f, "submit", dir, "-p", "hello", "--entry", "build/main")
	if r.code == 0 || !strings.Contains(r.errOut, "--entry build/main is not one of the files") || api.posts != 2 {
		t.Fatalf("--entry of a skipped file: exit %d posts %d\n%s", r.code, api.posts, r.errOut)
	}
	r = judgectl(t, f, "submit", filepath.Join(dir, "main.c"), "-p", "hello", "--entry", "main.c")
	if r.code == 0 || !strings.Contains(r.errOut, "--entry names the entry of a DIR") {
		t.Fatalf("--entry with a file: exit %d\n%s", r.code, r.errOut)
	}
}

func TestSubmitFolderRefusals(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"empty", func(t *testing.T, dir string) { writeFile(t, dir, ".hidden", "x") }, "holds no files to submit"},
		{"no language", func(t *testing.T, dir string) { writeFile(t, dir, "README.md", "x") }, "no file with an extension of a language"},
		{"tie", func(t *testing.T, dir string) { writeFile(t, dir, "a.c", "x"); writeFile(t, dir, "b.py", "y") }, "equally many sources of python3, c"},
		{"too many files", func(t *testing.T, dir string) {
			for i := range folderCeiling.MaxFiles + 1 {
				writeFile(t, dir, filepath.Join("src", strings.Repeat("x", i%50+1), "f"+strings.Repeat("1", i/50+1)+".c"), "")
			}
		}, "a submission takes at most 64 by default (the server's max_submission_files)"},
		{"too many bytes", func(t *testing.T, dir string) {
			writeFile(t, dir, "main.c", "")
			writeFile(t, dir, "big.txt", strings.Repeat("x", int(folderCeiling.MaxBytes)+1))
		}, "(the server's max_submission_bytes)"},
		{"bad name", func(t *testing.T, dir string) { writeFile(t, dir, "main.c", ""); writeFile(t, dir, "a\\b.c", "") }, "backslash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			r := judgectl(t, f, "submit", dir, "-p", "hello")
			if r.code == 0 || !strings.Contains(r.errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q; want an error with %q", r.code, r.errOut, tc.want)
			}
			if api.posts != 0 {
				t.Fatalf("%d POSTs for a refused folder", api.posts)
			}
		})
	}
}

func TestGradeMultiFileFolder(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	dir := t.TempDir()
	writeFile(t, dir, "frank/solve.c", "#include \"helper.h\"\nint main(void) { go(); }\n")
	writeFile(t, dir, "frank/helper.h", "void go(void);\n")
	writeFile(t, dir, "frank/helper.c", "void go(void) {}\n")
	writeFile(t, dir, "frank/target/solve", "\x7fELF")

	r := judgectl(t, f, "grade", dir, "-p", "hello", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	req := api.lastRequest()
	if req.Language != "c" || req.Entry != "solve.c" || !slices.Equal(paths(req.Files), []string{"helper.c", "helper.h", "solve.c"}) {
		t.Fatalf("grade sent language %q entry %q files %v", req.Language, req.Entry, paths(req.Files))
	}
	if !strings.Contains(r.out, `"entry": "solve.c"`) {
		t.Errorf("the grade sheet does not record the entry:\n%s", r.out)
	}

	// Unchanged: not submitted again. A changed helper (not the entry) is.
	judgectl(t, f, "grade", dir, "-p", "hello")
	if api.posts != 1 {
		t.Fatalf("re-run of an unchanged folder posted %d times, want 1", api.posts)
	}
	writeFile(t, dir, "frank/helper.c", "void go(void) { WA; }\n")
	judgectl(t, f, "grade", dir, "-p", "hello")
	if api.posts != 2 {
		t.Fatalf("after changing a helper: %d posts, want 2", api.posts)
	}
	files := []srcfiles.File{{Path: "helper.c", Data: []byte("void go(void) { WA; }\n")},
		{Path: "helper.h", Data: []byte("void go(void);\n")},
		{Path: "solve.c", Data: []byte("#include \"helper.h\"\nint main(void) { go(); }\n")}}
	state, err := os.ReadFile(filepath.Join(dir, gradeStateFile))
	if err != nil || !strings.Contains(string(state), srcfiles.Hash(files, "solve.c")) {
		t.Fatalf("state file lacks the folder's hash %s: %v\n%s", srcfiles.Hash(files, "solve.c"), err, state)
	}
}

func TestSubmitTogether(t *testing.T) {
	api := newFakeAPI(t)
	f, _, _ := newTestFactory(t, api.env())
	dir := project(t)
	t.Chdir(dir)
	r := judgectl(t, f, "submit", "--together", "main.c", "lib/sum.c", "lib/sum.h", "-p", "hello", "--wait")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	req := api.lastRequest()
	if api.posts != 1 || req.Language != "c" || req.Entry != "main.c" || !slices.Equal(paths(req.Files), []string{"main.c", "lib/sum.c", "lib/sum.h"}) {
		t.Fatalf("posts %d, language %q entry %q files %v", api.posts, req.Language, req.Entry, paths(req.Files))
	}
	for _, bad := range [][]string{{"../x.c"}, {filepath.Join(dir, "main.c")}, {"-"}} {
		r := judgectl(t, f, append([]string{"submit", "--together", "-p", "hello"}, bad...)...)
		if r.code == 0 || !strings.Contains(r.errOut, "--together") || api.posts != 1 {
			t.Errorf("--together %v: exit %d posts %d, stderr %q; want a refusal naming --together", bad, r.code, api.posts, r.errOut)
		}
	}
}
