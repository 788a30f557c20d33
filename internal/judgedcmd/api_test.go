package judgedcmd

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
)

func TestAPIServesAndShutsDownOnCancel(t *testing.T) {
	dsn := testenv.Postgres(t)
	if code, out, errOut := runJudged(t, "migrate", "--database-url", dsn); code != 0 {
		t.Fatalf("migrate: %d %s%s", code, out, errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- Run(ctx, []string{"api", "--database-url", dsn, "--listen", addr}, &out, &errb)
	}()
	ready := false
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !ready; {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			ready = res.StatusCode == 200
		}
		if !ready {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ready {
		cancel()
		t.Fatalf("api never became ready; stderr:\n%s", errb.String())
	}
	res, err := http.Get("http://" + addr + "/v1/languages")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/v1/languages without a token: %d, want 401", res.StatusCode)
	}
	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("exit %d after cancel; stderr:\n%s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("api did not stop within 20s of cancel")
	}
	if !strings.Contains(errb.String(), "api listening") {
		t.Errorf("no start log line:\n%s", errb.String())
	}
}

func TestAPIBadListenNamesTheSetting(t *testing.T) {
	dsn := testenv.Postgres(t)
	code, _, errOut := runJudged(t, "api", "--database-url", dsn, "--listen", "256.0.0.1:99999")
	if code == 0 || !strings.Contains(errOut, "listen (JUDGE_LISTEN)") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
