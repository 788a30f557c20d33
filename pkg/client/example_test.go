package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/client"
)

// A stand-in for `judged api`: one submission whose events are a test and "done".
func exampleServer() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/submissions", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, `{"id":"s1","status":"queued"}`)
	})
	mux.HandleFunc("GET /v1/submissions/s1/events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "id: 1\nevent: test\ndata: {\"seq\":1,\"type\":\"test\",\"test\":{\"index\":1,\"name\":\"sample/1\",\"verdict\":\"AC\"}}\n\n")
		fmt.Fprint(w, "id: 2\nevent: done\ndata: {\"seq\":2,\"type\":\"done\",\"submission\":{\"id\":\"s1\",\"status\":\"done\",\"verdict\":\"AC\"}}\n\n")
	})
	mux.HandleFunc("GET /v1/problems/{slug}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"type":"https://judge.dev/errors/not-found","title":"Not found","status":404,"detail":"no problem \"nope\""}`)
	})
	return httptest.NewServer(mux)
}

func Example() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	c, err := client.New(srv.URL, "jdg_token")
	if err != nil {
		panic(err)
	}
	acc, err := c.Submit(ctx, apiv1.SubmissionRequest{Language: "python3", Source: `print("hello")`, Problem: "hello"}, "")
	if err != nil {
		panic(err)
	}
	err = c.Follow(ctx, acc.ID, client.FollowOptions{}, func(e apiv1.Event) error {
		switch e.Type {
		case apiv1.EventTest:
			fmt.Println("test", e.Test.Name, e.Test.Verdict)
		case apiv1.EventDone:
			fmt.Println("verdict", e.Submission.Verdict)
		}
		return nil
	})
	if err != nil {
		panic(err)
	}

	_, err = c.Problem(ctx, "nope")
	var ae *client.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.StatusCode, ae.Type, ae.Detail)
	}
	// Output:
	// test sample/1 AC
	// verdict AC
	// 404 https://judge.dev/errors/not-found no problem "nope"
}
