package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// NewIdempotencyKey returns a random key for Submit.
func NewIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Submit posts a submission. key is sent as Idempotency-Key, which makes the POST safe to
// retry: the client retries it after network errors and 429/502/503/504, and the server answers
// a repeated key with the submission it already stored. An empty key gets a random one.
func (c *Client) Submit(ctx context.Context, req apiv1.SubmissionRequest, key string) (*apiv1.SubmissionAccepted, error) {
	if key == "" {
		key = NewIdempotencyKey()
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode submission: %w", err)
	}
	var out apiv1.SubmissionAccepted
	err = c.do(ctx, request{
		method: http.MethodPost, path: "/v1/submissions", body: body,
		contentType: "application/json", idempotent: true,
		header: http.Header{"Idempotency-Key": {key}},
	}, &out)
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	return &out, nil
}

// Submission returns one submission with its per-test results.
func (c *Client) Submission(ctx context.Context, id string) (*apiv1.Submission, error) {
	var out apiv1.Submission
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/submissions/" + url.PathEscape(id), idempotent: true}, &out); err != nil {
		return nil, fmt.Errorf("get submission %s: %w", id, err)
	}
	return &out, nil
}

// ListOptions filter GET /v1/submissions. Empty fields do not filter.
type ListOptions struct {
	Problem string
	Verdict string
	Owner   string
	Status  string
	Limit   int
	Cursor  string
}

// Submissions lists submissions, newest first.
func (c *Client) Submissions(ctx context.Context, o ListOptions) (*apiv1.SubmissionList, error) {
	q := url.Values{}
	for k, v := range map[string]string{"problem": o.Problem, "verdict": o.Verdict, "owner": o.Owner, "status": o.Status, "cursor": o.Cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	var out apiv1.SubmissionList
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/submissions", query: q, idempotent: true}, &out); err != nil {
		return nil, fmt.Errorf("list submissions: %w", err)
	}
	return &out, nil
}

// Stats returns the queue and worker figures.
func (c *Client) Stats(ctx context.Context) (*apiv1.Stats, error) {
	var out apiv1.Stats
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/stats", idempotent: true}, &out); err != nil {
		return nil, fmt.Errorf("get stats: %w", err)
	}
	return &out, nil
}

// Languages returns the server's languages.
func (c *Client) Languages(ctx context.Context) ([]apiv1.Language, error) {
	var raw json.RawMessage
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/languages", idempotent: true}, &raw); err != nil {
		return nil, fmt.Errorf("list languages: %w", err)
	}
	// Accept both a bare array and {"items": [...]}, so the client survives either shape.
	var out []apiv1.Language
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, fmt.Errorf("list languages: decode: %w", err)
		}
		return out, nil
	}
	var wrapped struct {
		Items []apiv1.Language `json:"items"`
	}
	if err := json.Unmarshal(raw, &wrapped); err != nil {
		return nil, fmt.Errorf("list languages: decode: %w", err)
	}
	return wrapped.Items, nil
}

// Problems lists the stored problems.
func (c *Client) Problems(ctx context.Context) ([]apiv1.Problem, error) {
	var out apiv1.ProblemList
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/problems", idempotent: true}, &out); err != nil {
		return nil, fmt.Errorf("list problems: %w", err)
	}
	return out.Items, nil
}

// Problem returns one problem.
func (c *Client) Problem(ctx context.Context, slug string) (*apiv1.Problem, error) {
	var out apiv1.Problem
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/problems/" + url.PathEscape(slug), idempotent: true}, &out); err != nil {
		return nil, fmt.Errorf("get problem %s: %w", slug, err)
	}
	return &out, nil
}

// ProblemVersion returns one version of a problem with the progress of its calibration (the
// server's run of the package's accepted submissions that computes its time limit).
func (c *Client) ProblemVersion(ctx context.Context, slug string, version int) (*apiv1.Problem, error) {
	var out apiv1.Problem
	path := fmt.Sprintf("/v1/problems/%s/versions/%d", url.PathEscape(slug), version)
	if err := c.do(ctx, request{method: http.MethodGet, path: path, idempotent: true}, &out); err != nil {
		return nil, fmt.Errorf("get problem %s version %d: %w", slug, version, err)
	}
	return &out, nil
}

// PushProblem uploads a problem package archive (contentType "application/zip" or
// "application/gzip") as the new version of slug. PUT is idempotent, so it is retried.
func (c *Client) PushProblem(ctx context.Context, slug string, archive io.Reader, contentType string, opts ...PushOption) (*apiv1.ProblemPushed, error) {
	body, err := io.ReadAll(archive)
	if err != nil {
		return nil, fmt.Errorf("push problem %s: read archive: %w", slug, err)
	}
	var out apiv1.ProblemPushed
	req := request{
		method: http.MethodPut, path: "/v1/problems/" + url.PathEscape(slug),
		body: body, contentType: contentType, idempotent: true,
	}
	for _, o := range opts {
		o(&req)
	}
	err = c.do(ctx, req, &out)
	if err != nil {
		return nil, fmt.Errorf("push problem %s: %w", slug, err)
	}
	return &out, nil
}

// PushOption configures PushProblem.
type PushOption func(*request)

// WithForce keeps the pushed version even if an accepted submission fails the calibration of
// its time limit (force=true): the failures become warnings.
func WithForce() PushOption {
	return func(r *request) {
		if r.query == nil {
			r.query = url.Values{}
		}
		r.query.Set("force", "true")
	}
}

// WithUploadProgress calls fn as the archive's bytes are handed to the connection: sent of
// total. A retried upload starts again from 0.
func WithUploadProgress(fn func(sent, total int64)) PushOption {
	return func(r *request) { r.progress = fn }
}
