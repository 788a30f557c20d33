package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// TestServerOwnErrorsAreProblemJSON: the answers net/http writes itself, before any handler
// (431 for headers past the limit, 400 for a request it cannot parse, 501 for an unknown
// transfer encoding), reach the client as problem+json, like every other error.
func TestServerOwnErrorsAreProblemJSON(t *testing.T) {
	e := newEnv(t, envOpts{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.api.Serve(ctx, ln, time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	addr := ln.Addr().String()
	raw := func(request string) *http.Response {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// The server may answer and close before it read everything; that is its right.
		go io.WriteString(c, request)
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("read answer: %v", err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body = io.NopCloser(strings.NewReader(string(body)))
		return res
	}
	for _, tc := range []struct {
		name    string
		request string
		status  int
		typ     string
		field   string
	}{
		{"headers too large", "GET /v1/languages HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 100<<10) + "\r\n\r\n", 431, apiv1.ErrTypeTooLarge, "headers"},
		{"malformed header", "GET /v1/languages HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, apiv1.ErrTypeBadRequest, ""},
		{"unknown transfer encoding", "POST /v1/submissions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zip\r\n\r\n", 501, apiv1.ErrTypeBadRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := raw(tc.request)
			if res.StatusCode != tc.status || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %q, want %d problem+json", res.StatusCode, res.Header.Get("Content-Type"), tc.status)
			}
			var pd apiv1.ProblemDetails
			if err := json.NewDecoder(res.Body).Decode(&pd); err != nil {
				t.Fatal(err)
			}
			if pd.Status != tc.status || pd.Type != tc.typ || pd.Detail == "" || (tc.field != "" && !hasField(pd, tc.field)) {
				t.Errorf("problem %+v", pd)
			}
		})
	}
	// Ordinary answers pass unchanged.
	res := raw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if res.StatusCode != 200 {
		t.Errorf("healthz through the wrapped listener: %d", res.StatusCode)
	}
}
