package judgedcmd

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/judge-dev/judge/internal/testenv"
)

func TestMigrateUnreachableNamesTheSetting(t *testing.T) {
	t.Setenv("JUDGE_STACK_FILE", filepath.Join(t.TempDir(), "absent.env"))
	code, _, errOut := runJudged(t, "migrate", "--database-url", "postgres://judge@127.0.0.1:1/judge?sslmode=disable")
	want := "judged: database_url (JUDGE_DATABASE_URL): cannot connect to 127.0.0.1:1: connection refused\n"
	if code == 0 || errOut != want {
		t.Errorf("exit %d, stderr %q; want non-zero and %q", code, errOut, want)
	}
}

func TestMigrateThenTokens(t *testing.T) {
	dsn := testenv.Postgres(t)
	code, out, errOut := runJudged(t, "migrate", "--database-url", dsn)
	if code != 0 || !strings.Contains(out, "applied 0001_init.sql") {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runJudged(t, "migrate", "--database-url", dsn)
	if code != 0 || strings.Contains(out, "applied") || !strings.Contains(out, "schema at version") {
		t.Fatalf("second migrate: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = runJudged(t, "token", "create", "--name", "ci", "--role", "submitter", "--database-url", dsn)
	if code != 0 || !strings.HasPrefix(out, "jdg_") || strings.Count(out, "\n") != 1 {
		t.Fatalf("token create: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runJudged(t, "token", "list", "--database-url", dsn)
	if code != 0 || !strings.Contains(out, "ci") || !strings.Contains(out, "submitter") {
		t.Errorf("token list: exit %d\n%s", code, out)
	}
	if code, out, errOut = runJudged(t, "token", "revoke", "ci", "--database-url", dsn); code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("token revoke: exit %d %s%s", code, out, errOut)
	}
	if code, _, errOut = runJudged(t, "token", "revoke", "ci", "--database-url", dsn); code == 0 || !strings.Contains(errOut, "no active token") {
		t.Errorf("second revoke: exit %d %s", code, errOut)
	}
	if code, _, errOut = runJudged(t, "token", "create", "--name", "x", "--role", "root", "--database-url", dsn); code != 2 || !strings.Contains(errOut, "--role") {
		t.Errorf("bad role: exit %d %s", code, errOut)
	}
}
