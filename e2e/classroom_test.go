package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
)

// The CI examples of examples/ci (issue 16): linted always, run for real on request.

const actionlintVersion = "v1.7.12"

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// actionlint runs the pinned actionlint (from the Go module proxy) on files.
func actionlint(t *testing.T, files ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", "github.com/rhysd/actionlint/cmd/actionlint@" + actionlintVersion, "-no-color"}, files...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestCIExamplesPassActionlint(t *testing.T) {
	if testing.Short() {
		t.Skip("actionlint is fetched from the Go module proxy on first use: not a -short test")
	}
	root := repoRoot(t)
	files, _ := filepath.Glob(filepath.Join(root, "examples/ci/github/*.yml"))
	if len(files) < 2 {
		t.Fatalf("examples/ci/github holds %d workflows, want the student and the teacher form", len(files))
	}
	if out, err := actionlint(t, files...); err != nil {
		t.Fatalf("actionlint %v: %v\n%s", files, err, out)
	}
	// The linter does fail: an unknown runner label and a bad expression are caught.
	bad := filepath.Join(t.TempDir(), "bad.yml")
	if err := os.WriteFile(bad, []byte("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ secrets }}.x(\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := actionlint(t, bad); err == nil || !strings.Contains(out, "bad.yml") {
		t.Fatalf("actionlint passed a broken workflow: %v\n%s", err, out)
	}
}

// classroom is a judge on the shared stack plus the judgectl binary and the CI runners.
type classroom struct {
	t        *testing.T
	root     string
	server   string
	token    string
	bin      string // holds judgectl, act and gitlab-ci-local
	home     string
	lastArgs []string
}

func newClassroom(t *testing.T) *classroom {
	t.Helper()
	if os.Getenv("JUDGE_CLASSROOM_TESTS") != "1" {
		t.Skip("the classroom suite runs the CI examples with act and gitlab-ci-local: set JUDGE_CLASSROOM_TESTS=1")
	}
	root := repoRoot(t)
	out, err := exec.Command(filepath.Join(root, "scripts/classroom-tools.sh")).Output()
	if err != nil {
		t.Fatalf("scripts/classroom-tools.sh: %v", err)
	}
	bin := t.TempDir()
	for _, tool := range []string{"act", "gitlab-ci-local"} {
		if err := os.Symlink(filepath.Join(strings.TrimSpace(string(out)), tool), filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "judgectl"), "./cmd/judgectl")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build judgectl: %v\n%s", err, out)
	}
	c := newCluster(t)
	addr := freeAddr(t)
	c.startEnv([]string{"JUDGE_LISTEN=" + addr}, "all", "all", "--slot", c.slot, "--group", "classroom-"+c.slot)
	cr := &classroom{t: t, root: root, server: "http://" + addr, token: c.token, bin: bin, home: t.TempDir()}
	testenv.WaitFor(t, "judged all ready", 60*time.Second, func() bool {
		_, err := cr.run(root, nil, "judgectl", "languages")
		return err == nil
	})
	if out, err := cr.run(root, nil, "judgectl", "problem", "push", "examples/problems/sum"); err != nil {
		t.Fatalf("problem push: %v\n%s", err, out)
	}
	// act asks which default image to use on its first run unless it finds an .actrc.
	if err := os.WriteFile(filepath.Join(cr.home, ".actrc"), []byte("-P ubuntu-latest=-self-hosted\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cr
}

// run runs a command in dir with judgectl, act and gitlab-ci-local first on PATH.
func (cr *classroom) run(dir string, env []string, name string, args ...string) (string, error) {
	cr.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(cr.bin, name), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+cr.bin+":"+os.Getenv("PATH"), "HOME="+cr.home,
		"JUDGE_SERVER="+cr.server, "JUDGE_TOKEN="+cr.token, "JUDGECTL_CONFIG="+filepath.Join(cr.home, "judgectl.yaml"))
	cmd.Env = append(cmd.Env, env...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

// repo makes a git repository in a new folder with files (path → content), committed at when.
func (cr *classroom) repo(when string, files map[string]string) string {
	cr.t.Helper()
	dir := cr.t.TempDir()
	for p, content := range files {
		writeTree(cr.t, dir, p, content)
	}
	cr.git(dir, when, "init", "-q", "-b", "main")
	cr.git(dir, when, "add", "-A")
	cr.git(dir, when, "commit", "-qm", "work")
	return dir
}

func writeTree(t *testing.T, dir, p, content string) {
	t.Helper()
	full := filepath.Join(dir, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (cr *classroom) git(dir, when string, args ...string) {
	cr.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+when, "GIT_COMMITTER_DATE="+when,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		cr.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func (cr *classroom) example(path string) string {
	cr.t.Helper()
	data, err := os.ReadFile(filepath.Join(cr.root, path))
	if err != nil {
		cr.t.Fatal(err)
	}
	return string(data)
}

// Stand-ins for the remote actions the workflows use, which act would clone from GitHub:
// setup-go has nothing to do (go and judgectl are on PATH), upload-artifact copies the files to
// $ARTIFACTS/NAME, where the test looks for them.
var actionStubs = map[string]string{
	"actions/setup-go@v5": `name: setup-go stand-in
inputs:
  go-version: {required: false}
  cache: {required: false}
runs:
  using: composite
  steps:
    - run: go version
      shell: bash
`,
	"actions/upload-artifact@v4": `name: upload-artifact stand-in
inputs:
  name: {required: true}
  path: {required: true}
runs:
  using: composite
  steps:
    - run: mkdir -p "$ARTIFACTS/${{ inputs.name }}" && cp -r ${{ inputs.path }} "$ARTIFACTS/${{ inputs.name }}/"
      shell: bash
`,
}

// act runs workflow on the host runner; artifacts go to the returned folder.
func (cr *classroom) act(dir, event, workflow string) (out, artifacts string, err error) {
	cr.t.Helper()
	artifacts = cr.t.TempDir()
	args := []string{event, "-W", workflow, "-P", "ubuntu-latest=-self-hosted", "--env", "ARTIFACTS=" + artifacts,
		"--var", "JUDGE_SERVER=" + cr.server, "--var", "JUDGE_PROBLEM=sum", "-s", "JUDGE_TOKEN=" + cr.token}
	for action, yml := range actionStubs {
		stub := cr.t.TempDir()
		writeTree(cr.t, stub, "action.yml", yml)
		args = append(args, "--local-repository", action+"="+stub)
	}
	out, err = cr.run(dir, nil, "act", args...)
	return out, artifacts, err
}

func (cr *classroom) gitlab(dir string) (string, error) {
	return cr.run(dir, nil, "gitlab-ci-local", "--force-shell-executor", "--variable", "JUDGE_SERVER="+cr.server,
		"--variable", "JUDGE_PROBLEM=sum", "--variable", "JUDGE_TOKEN="+cr.token)
}

const (
	acceptedSum = "a, b = map(int, input().split())\nprint(a + b)\n"
	copiedSum   = "# mine\nx, y = map(int,   input().split())\nprint(x + y)\n"
	wrongSum    = "a, b = map(int, input().split())\nprint(a + b, \"done\")\n"
	gradingYAML = "points: {sample: 10, secret: 90}\ndeadline: 2026-12-01T23:59:00Z\nlate: {per_day: 10}\n"
)

func assertHas(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

func TestClassroomGitHubActions(t *testing.T) {
	cr := newClassroom(t)
	student := cr.example("examples/ci/github/student.yml")

	dir := cr.repo("2026-11-30T10:00:00Z", map[string]string{".github/workflows/judge.yml": student, "solution.py": acceptedSum})
	out, _, err := cr.act(dir, "push", ".github/workflows/judge.yml")
	if err != nil {
		t.Fatalf("accepted push: act failed: %v\n%s", err, out)
	}
	assertHas(t, "act log (accepted)", out, "✅ sum — AC (accepted)", "Accepted.", "Job succeeded")

	dir = cr.repo("2026-11-30T10:00:00Z", map[string]string{".github/workflows/judge.yml": student, "solution.py": wrongSum})
	out, _, err = cr.act(dir, "push", ".github/workflows/judge.yml")
	if err == nil {
		t.Fatalf("rejected push: act succeeded, want the job to fail\n%s", out)
	}
	assertHas(t, "act log (rejected)", out, "❌ sum — WA (wrong answer)", "Sample test sample/1: WA", "+3 done", "Job failed")

	teacher := cr.example("examples/ci/github/teacher.yml")
	dir = cr.repo("2026-11-30T10:00:00Z", map[string]string{".github/workflows/grade.yml": teacher,
		"students/alice/sum.py": acceptedSum, "students/bob/sum.py": copiedSum, "students/grading.yaml": gradingYAML})
	writeTree(t, dir, "students/carol/sum.py", wrongSum)
	cr.git(dir, "2026-12-03T12:00:00Z", "add", "-A")
	cr.git(dir, "2026-12-03T12:00:00Z", "commit", "-qm", "carol, two days late")
	out, arts, err := cr.act(dir, "workflow_dispatch", ".github/workflows/grade.yml")
	if err != nil {
		t.Fatalf("grading: act failed: %v\n%s", err, out)
	}
	for _, f := range []string{"gradebook.md", "gradebook.html", "grades.csv", "junit.xml", "similarity.html"} {
		if st, err := os.Stat(filepath.Join(arts, "grades/grades", f)); err != nil || st.Size() == 0 {
			t.Errorf("artifact %s: %v", f, err)
		}
	}
	assertHas(t, "act log (grading)", out, "# Grade book: sum", "| alice | ✅ AC | 100 | 100 / 100 |",
		"| carol | ❌ WA | 0 | 0 / 100 | 2 d, -20% |", "similarity: 2 accepted entries, 1 pair(s)", "alice – bob", "Job succeeded")
}

func TestClassroomGitLabCI(t *testing.T) {
	cr := newClassroom(t)
	student := cr.example("examples/ci/gitlab/student.gitlab-ci.yml")

	dir := cr.repo("2026-11-30T10:00:00Z", map[string]string{".gitlab-ci.yml": student, "solution.py": acceptedSum})
	out, err := cr.gitlab(dir)
	if err != nil {
		t.Fatalf("accepted push: gitlab-ci-local failed: %v\n%s", err, out)
	}
	assertHas(t, "gitlab-ci-local log (accepted)", out, "✅ sum — AC (accepted)", "Accepted.")
	if _, err := os.Stat(filepath.Join(dir, ".gitlab-ci-local/artifacts/judge/judge-feedback.html")); err != nil {
		t.Errorf("the HTML feedback artifact: %v", err)
	}

	dir = cr.repo("2026-11-30T10:00:00Z", map[string]string{".gitlab-ci.yml": student, "solution.py": wrongSum})
	out, err = cr.gitlab(dir)
	if err == nil {
		t.Fatalf("rejected push: gitlab-ci-local succeeded, want the job to fail\n%s", out)
	}
	assertHas(t, "gitlab-ci-local log (rejected)", out, "❌ sum — WA (wrong answer)", "+3 done", "Rejected")

	teacher := cr.example("examples/ci/gitlab/teacher.gitlab-ci.yml")
	dir = cr.repo("2026-11-30T10:00:00Z", map[string]string{".gitlab-ci.yml": teacher,
		"students/alice/sum.py": acceptedSum, "students/bob/sum.py": copiedSum, "students/carol/sum.py": wrongSum, "students/grading.yaml": gradingYAML})
	out, err = cr.gitlab(dir)
	if err != nil {
		t.Fatalf("grading: gitlab-ci-local failed: %v\n%s", err, out)
	}
	assertHas(t, "gitlab-ci-local log (grading)", out, "# Grade book: sum", "| alice | ✅ AC | 100 | 100 / 100 |", "| carol | ❌ WA | 0 | 0 / 100 |")
	arts := filepath.Join(dir, ".gitlab-ci-local/artifacts/grade/grades")
	for _, f := range []string{"gradebook.md", "gradebook.html", "grades.csv", "junit.xml", "similarity.html"} {
		if st, err := os.Stat(filepath.Join(arts, f)); err != nil || st.Size() == 0 {
			t.Errorf("artifact %s: %v", f, err)
		}
	}
}
