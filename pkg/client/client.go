// Package client is the typed Go client of the judge's HTTP API (v1): one method per route, a
// Server-Sent Events follower that resumes with Last-Event-ID after a dropped connection, and
// *APIError for application/problem+json answers. judgectl reaches the server only through it;
// anyone else may use it too.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/judge-dev/judge/pkg/apiv1"
)

// Client talks to one judge server. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	token     string
	hc        *http.Client
	userAgent string

	// retries is how many times an idempotent request (GET, or POST with Idempotency-Key) is
	// re-sent after a network error, 429 or 502/503/504.
	retries    int
	minBackoff time.Duration
	maxBackoff time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient uses hc instead of a default client (which has no overall timeout, because
// event streams are long-lived; requests are bounded by their context).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithRetries sets how often idempotent requests are retried (default 3).
func WithRetries(n int) Option { return func(c *Client) { c.retries = n } }

// WithBackoff sets the first and the longest wait between retries and reconnects
// (default 200ms and 5s).
func WithBackoff(minWait, maxWait time.Duration) Option {
	return func(c *Client) { c.minBackoff, c.maxBackoff = minWait, maxWait }
}

// New returns a client for the server at baseURL (e.g. "http://127.0.0.1:8080"); token may be
// empty for servers that allow anonymous reads.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		return nil, errors.New("no server URL given")
	}
	if !strings.Contains(baseURL, "://") {
		baseURL = "http://" + baseURL
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("server URL %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("server URL %q: scheme must be http or https", baseURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("server URL %q: no host", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	c := &Client{
		base:       u,
		token:      token,
		hc:         &http.Client{Transport: http.DefaultTransport},
		userAgent:  "judge-client",
		retries:    3,
		minBackoff: 200 * time.Millisecond,
		maxBackoff: 5 * time.Second,
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// BaseURL returns the server URL the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// APIError is an error answer of the server, decoded from application/problem+json when the
// server sent it.
type APIError struct {
	StatusCode int
	Type       string
	Title      string
	Detail     string
	Errors     []apiv1.FieldError
	// RetryAfter is the server's Retry-After, if any.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "server answered %d", e.StatusCode)
	if e.Title != "" {
		fmt.Fprintf(&b, " %s", e.Title)
	} else if t := http.StatusText(e.StatusCode); t != "" {
		fmt.Fprintf(&b, " %s", t)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	for _, fe := range e.Errors {
		fmt.Fprintf(&b, "; %s: %s", fe.Field, fe.Message)
	}
	return b.String()
}

// TransportError means the server could not be reached or the connection broke.
type TransportError struct {
	URL string
	Err error
}

func (e *TransportError) Error() string { return fmt.Sprintf("cannot reach %s: %v", e.URL, e.Err) }
func (e *TransportError) Unwrap() error { return e.Err }

// IsStatus reports whether err is an *APIError with the given HTTP status.
func IsStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == status
}

func (c *Client) url(path string, q url.Values) string {
	u := *c.base
	u.Path = c.base.Path + path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// request describes one call.
type request struct {
	method      string
	path        string
	query       url.Values
	body        []byte // re-sent on retry
	contentType string
	header      http.Header
	idempotent  bool
	progress    func(sent, total int64) // of body, while it is sent
}

// progressReader reports how much of a request body was read.
type progressReader struct {
	r     io.Reader
	sent  int64
	total int64
	fn    func(sent, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.sent += int64(n)
		p.fn(p.sent, p.total)
	}
	return n, err
}

// do sends r, retrying idempotent requests, and decodes a 2xx JSON answer into out (if not nil).
func (c *Client) do(ctx context.Context, r request, out any) error {
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", r.method, r.path, err)
	}
	return nil
}

// send performs r and returns a 2xx response (body open) or an error; idempotent requests are
// retried with backoff on network errors, 429 and 502/503/504.
func (c *Client) send(ctx context.Context, r request) (*http.Response, error) {
	wait := c.minBackoff
	for attempt := 0; ; attempt++ {
		resp, err := c.sendOnce(ctx, r)
		if err == nil {
			return resp, nil
		}
		if !r.idempotent || attempt >= c.retries || !retryable(err) || ctx.Err() != nil {
			return nil, err
		}
		d := wait
		var ae *APIError
		if errors.As(err, &ae) && ae.RetryAfter > d {
			d = min(ae.RetryAfter, c.maxBackoff)
		}
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
		wait = min(wait*2, c.maxBackoff)
	}
}

func retryable(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch ae.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
	}
	return false
}

func (c *Client) sendOnce(ctx context.Context, r request) (*http.Response, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
		if r.progress != nil {
			r.progress(0, int64(len(r.body)))
			body = &progressReader{r: body, total: int64(len(r.body)), fn: r.progress}
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.url(r.path, r.query), body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	if r.body != nil {
		// The progress wrapper hides the length from net/http; send it anyway, not chunked.
		req.ContentLength = int64(len(r.body))
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &TransportError{URL: c.base.String(), Err: unwrapURLError(err)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, decodeError(resp)
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// decodeError turns a non-2xx answer into *APIError, using problem+json when present.
func decodeError(resp *http.Response) error {
	ae := &APIError{StatusCode: resp.StatusCode}
	if s := resp.Header.Get("Retry-After"); s != "" {
		var secs int
		if _, err := fmt.Sscanf(s, "%d", &secs); err == nil {
			ae.RetryAfter = time.Duration(secs) * time.Second
		}
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var pd apiv1.ProblemDetails
	if (mt == "application/problem+json" || mt == "application/json") && json.Unmarshal(data, &pd) == nil {
		ae.Type, ae.Title, ae.Detail, ae.Errors = pd.Type, pd.Title, pd.Detail, pd.Errors
		return ae
	}
	ae.Detail = strings.TrimSpace(string(data))
	if len(ae.Detail) > 200 {
		ae.Detail = ae.Detail[:200] + "…"
	}
	return ae
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
