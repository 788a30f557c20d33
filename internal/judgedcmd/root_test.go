package judgedcmd

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func runJudged(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionPrintsGoVersion(t *testing.T) {
	code, out, _ := runJudged(t, "version")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"judged ", "commit: ", runtime.Version()} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
}

func TestConfigPrintMasksSecretsAndHonoursFlags(t *testing.T) {
	t.Setenv("JUDGE_STACK_FILE", filepath.Join(t.TempDir(), "absent.env"))
	t.Setenv("JUDGE_DATABASE_URL", "postgres://judge:s3cret@db:5432/judge")
	code, out, errOut := runJudged(t, "config", "print", "--slots", "7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("password printed:\n%s", out)
	}
	if !strings.Contains(out, "slots: 7") {
		t.Errorf("flag not applied:\n%s", out)
	}
}

func TestBadSettingIsOneLineNamingIt(t *testing.T) {
	t.Setenv("JUDGE_STACK_FILE", filepath.Join(t.TempDir(), "absent.env"))
	t.Setenv("JUDGE_SANDBOX_MODE", "maybe")
	code, _, errOut := runJudged(t, "config", "print")
	if code == 0 {
		t.Fatal("want a non-zero exit")
	}
	if lines := strings.Count(strings.TrimSpace(errOut), "\n") + 1; lines != 1 {
		t.Errorf("want one line, got %d:\n%s", lines, errOut)
	}
	if !strings.Contains(errOut, "JUDGE_SANDBOX_MODE") {
		t.Errorf("error does not name the setting: %s", errOut)
	}
}
