package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/internal/testenv"
	"github.com/judge-dev/judge/pkg/apiv1"
)

// TestJudge0OfficialClient runs the official Judge0 Python client (judge0 0.0.8, from the
// virtualenv of scripts/judge0-client.sh) through the 16 steps of e2e/testdata/judge0_client.py
// against a real judge: API, relay and worker processes on the stack. Then it checks a Judge0
// callback reaches an allowed host with the final result.
func TestJudge0OfficialClient(t *testing.T) {
	py := testenv.Judge0ClientPython(t)
	c := newCluster(t)

	type put struct {
		method string
		body   []byte
	}
	puts := make(chan put, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		puts <- put{r.Method, b}
	}))
	defer hook.Close()
	rootAddr := freeAddr(t)
	c.env = append(c.env, "JUDGE_JUDGE0_CALLBACK_HOSTS=127.0.0.1", "JUDGE_JUDGE0_LISTEN="+rootAddr)

	c.startAPI("api1")
	c.startRelay("relay1")
	c.startWorker("worker1", 2)
	base := c.apiURLs[0] + "/judge0"
	// The API may answer before the worker has published the versions its images record;
	// Judge0 clients read them in the language names (step "one language").
	c.waitForVersion(t, "python3")

	// Under /judge0 on the API's address, and at the root of judge0_listen (a bare Judge0 URL).
	for _, url := range []string{base, "http://" + rootAddr} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, py, "testdata/judge0_client.py")
		cmd.Env = append(cmd.Environ(), "JUDGE0_URL="+url, "JUDGE0_TOKEN="+c.token)
		out, err := cmd.CombinedOutput()
		cancel()
		t.Logf("judge0_client.py against %s:\n%s", url, out)
		if err != nil {
			t.Fatalf("judge0_client.py against %s: %v", url, err)
		}
		if n := strings.Count(string(out), "\nok ") + btoi(strings.HasPrefix(string(out), "ok ")); n != 16 {
			t.Errorf("against %s: %d steps passed, want 16", url, n)
		}
	}

	// The README's examples, unchanged, with the implicit client of JUDGE0_CE_ENDPOINT and
	// JUDGE0_CE_AUTH_HEADERS (Java runs in the jvm image).
	testenv.Image(t, "jvm")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "testdata/judge0_readme.py")
	cmd.Env = append(cmd.Environ(), "JUDGE0_CE_ENDPOINT="+base, `JUDGE0_CE_AUTH_HEADERS={"X-Auth-Token": "`+c.token+`"}`)
	out, err := cmd.CombinedOutput()
	t.Logf("judge0_readme.py:\n%s", out)
	if err != nil {
		t.Fatalf("judge0_readme.py: %v", err)
	}
	if n := strings.Count(string(out), "ok "); n != 6 {
		t.Errorf("%d README examples passed, want 6", n)
	}

	// command_line_arguments reach the program as words, unexpanded; redirect_stderr_to_stdout
	// merges the streams in order.
	body, _ := json.Marshal(map[string]any{"source_code": "import sys; print(sys.argv[1:], flush=True); print('e', file=sys.stderr)",
		"language_id": 71, "command_line_arguments": `a 'b c' $HOME`, "redirect_stderr_to_stdout": true})
	req, _ := http.NewRequest("POST", base+"/submissions?wait=true&fields=stdout,stderr,status", bytes.NewReader(body))
	req.Header.Set("X-Auth-Token", c.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || !strings.Contains(string(b), `"stdout":"['a', 'b c', '$HOME']\ne\n"`) ||
		!strings.Contains(string(b), `"stderr":null`) {
		t.Errorf("command_line_arguments and redirect_stderr_to_stdout: %d %s", res.StatusCode, b)
	}

	// A callback: PUT of the final result, base64-encoded, to the allowed host.
	body, _ = json.Marshal(map[string]any{"source_code": "print(input())", "language_id": "71", "stdin": "cb",
		"callback_url": hook.URL + "/done"})
	req, _ = http.NewRequest("POST", base+"/submissions", bytes.NewReader(body))
	req.Header.Set("X-Auth-Token", c.token)
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST with callback_url: %d %s", res.StatusCode, b)
	}
	var created struct{ Token string }
	if err := json.Unmarshal(b, &created); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-puts:
		var got struct {
			Token  string `json:"token"`
			Stdout string `json:"stdout"`
			Status struct {
				ID int `json:"id"`
			} `json:"status"`
		}
		if err := json.Unmarshal(p.body, &got); err != nil {
			t.Fatalf("callback body %s: %v", p.body, err)
		}
		stdout, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(got.Stdout, "\n", ""))
		if p.method != http.MethodPut || got.Token != created.Token || got.Status.ID != 3 || string(stdout) != "cb\n" {
			t.Errorf("callback %s %s, want PUT of %s accepted with stdout cb", p.method, p.body, created.Token)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("no callback within 2 minutes")
	}
	// A host off the allow-list is refused before anything is stored.
	body, _ = json.Marshal(map[string]any{"source_code": "print(1)", "language_id": 71, "callback_url": "http://example.com/x"})
	req, _ = http.NewRequest("POST", base+"/submissions", bytes.NewReader(body))
	req.Header.Set("X-Auth-Token", c.token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "callback_url") {
		t.Errorf("callback to a host off the list: %d %s", res.StatusCode, b)
	}
}

// waitForVersion waits until the API lists a version for language, which a worker read from
// its runtime image and published (the API re-reads them every 10 s).
func (c *cluster) waitForVersion(t *testing.T, language string) {
	t.Helper()
	testenv.WaitFor(t, "a worker to publish the version of "+language, 2*time.Minute, func() bool {
		req, _ := http.NewRequest("GET", c.apiURLs[0]+"/v1/languages", nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var list apiv1.LanguageList
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&list) != nil {
			return false
		}
		for _, l := range list.Items {
			if l.ID == language && l.Version != "" {
				return true
			}
		}
		return false
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
