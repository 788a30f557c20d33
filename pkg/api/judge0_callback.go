package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/judge-dev/judge/pkg/store"
)

// Judge0 callbacks: once a submission made with a callback_url is done, the API PUTs its
// Judge0 JSON (base64-encoded, the default fields) to the URL, as Judge0 does. The callback
// row is written with the submission; any API replica claims due callbacks in PostgreSQL
// (so exactly one replica delivers each try), woken by the store's NOTIFY of submission
// events and by a ticker for retries. Only hosts in Judge0Options.CallbackHosts are called,
// and redirects are not followed.

// Judge0CallbackStore is what callback delivery needs; *store.Store satisfies it.
type Judge0CallbackStore interface {
	ClaimCallbacks(ctx context.Context, limit, maxAttempts int, lease time.Duration) ([]store.Callback, error)
	FinishCallback(ctx context.Context, id string, failure string, retryAt *time.Time) error
}

const (
	// callbackMaxTries and callbackTimeout are Judge0's defaults (CALLBACKS_MAX_TRIES,
	// CALLBACKS_TIMEOUT).
	callbackMaxTries = 3
	callbackTimeout  = 5 * time.Second
	// callbackLease hides a claimed callback from other replicas while one delivers it.
	callbackLease = 4 * callbackTimeout
	// callbackBackoff is the wait before the second try; it doubles for each further one.
	callbackBackoff = time.Second
)

// runCallbacks delivers due callbacks until ctx ends.
func (s *Server) runCallbacks(ctx context.Context) {
	sub := s.hub.subscribe(anySubmission)
	defer s.hub.unsubscribe(anySubmission, sub)
	tick := time.NewTicker(s.callbackPoll)
	defer tick.Stop()
	for {
		s.deliverDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-sub.C():
		case <-tick.C:
		}
	}
}

func (s *Server) deliverDue(ctx context.Context) {
	for ctx.Err() == nil {
		cbs, err := s.store.ClaimCallbacks(ctx, 10, callbackMaxTries, callbackLease)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("claim Judge0 callbacks", "err", err)
			}
			return
		}
		if len(cbs) == 0 {
			return
		}
		for _, cb := range cbs {
			s.deliverCallback(ctx, cb)
		}
	}
}

func (s *Server) deliverCallback(ctx context.Context, cb store.Callback) {
	err := s.putCallback(ctx, cb)
	if ctx.Err() != nil {
		return // shutting down: the lease runs out and a replica tries again
	}
	var retryAt *time.Time
	failure := ""
	if err != nil {
		failure = err.Error()
		if cb.Attempt < callbackMaxTries {
			at := time.Now().Add(callbackBackoff << (cb.Attempt - 1))
			retryAt = &at
		}
		s.log.Warn("Judge0 callback failed", "submission", cb.SubmissionID, "attempt", cb.Attempt, "retry", retryAt != nil, "err", err)
	}
	if err := s.store.FinishCallback(context.WithoutCancel(ctx), cb.SubmissionID, failure, retryAt); err != nil {
		s.log.Warn("record Judge0 callback", "submission", cb.SubmissionID, "err", err)
	}
}

func (s *Server) putCallback(ctx context.Context, cb store.Callback) error {
	u, err := url.Parse(cb.URL)
	if err != nil || !slices.Contains(s.judge0.CallbackHosts, strings.ToLower(u.Hostname())) {
		return fmt.Errorf("callback host of %q is no longer allowed", cb.URL)
	}
	views, err := s.judge0Views(ctx, []string{cb.SubmissionID}, true, principal{})
	if err != nil {
		return fmt.Errorf("render submission: %w", err)
	}
	v, err := pickJudge0(views[0], judge0DefaultFields, true)
	if err != nil {
		return err
	}
	body := judge0JSON(v)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, cb.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := s.callbackClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("PUT %s: %s", cb.URL, res.Status)
	}
	return nil
}

func newCallbackClient() *http.Client {
	return &http.Client{
		Timeout: callbackTimeout,
		// A redirect could lead off the allow-list.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
