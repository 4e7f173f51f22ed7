package client

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// retryTransport retries a request after a transport error, 429 or a 5xx
// other than 501, with exponential backoff and jitter, and bounds each
// attempt with its own timeout. Every registry call evctl makes is
// idempotent (registering a schema twice returns the first id), so POSTs
// are retried too.
type retryTransport struct {
	base    http.RoundTripper
	retries int
	backoff time.Duration
	timeout time.Duration
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || (code >= 500 && code != http.StatusNotImplemented)
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return nil, errNoRewind
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		actx, cancel := context.WithTimeout(ctx, t.timeout)
		resp, err := t.base.RoundTrip(r.WithContext(actx))
		last := attempt >= t.retries || ctx.Err() != nil
		if err != nil {
			cancel()
			if last {
				return nil, err
			}
			if !t.wait(ctx, attempt, "") {
				return nil, err
			}
			continue
		}
		if !retryableStatus(resp.StatusCode) || attempt >= t.retries {
			resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
			return resp, nil
		}
		// A retryable answer with attempts left: the caller that ended
		// ctx meanwhile gets its context's error, not the answer it would
		// have retried.
		retryAfter := resp.Header.Get("Retry-After")
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		cancel()
		if last || !t.wait(ctx, attempt, retryAfter) {
			return nil, ctx.Err()
		}
	}
}

// wait sleeps before the next attempt; false if ctx ended first.
func (t *retryTransport) wait(ctx context.Context, attempt int, retryAfter string) bool {
	d := t.backoff << attempt
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	// Full jitter in [d/2, d).
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	if secs, err := strconv.Atoi(retryAfter); err == nil && secs >= 0 {
		d = min(time.Duration(secs)*time.Second, maxBackoff)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

type rewindError struct{}

func (rewindError) Error() string { return "cannot retry a request whose body cannot be re-read" }

var errNoRewind error = rewindError{}

// cancelBody ends an attempt's context when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
