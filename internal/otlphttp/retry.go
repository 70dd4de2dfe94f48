package otlphttp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoff is an exponential backoff with jitter: the wait before retry n
// (from 0) is a random duration in [d/2, d], d = min(initial·2ⁿ, max).
type backoff struct {
	initial, max time.Duration
}

var defaultBackoff = backoff{initial: 250 * time.Millisecond, max: 5 * time.Second}

// delay returns the wait before retry n.
func (b backoff) delay(n int) time.Duration {
	d := b.initial
	for i := 0; i < n && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// retryableStatus reports whether an OTLP/HTTP response status asks for
// another attempt: 429, 502, 503 and 504.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// maxRetryAfter caps the wait a server may ask for; the export deadline
// usually cuts it shorter.
const maxRetryAfter = 10 * time.Minute

// parseRetryAfter parses a Retry-After value, delay-seconds or an HTTP
// date, into a wait from now. It reports false for an absent or
// unparseable value.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		if secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxRetryAfter), true
}

// send posts payload until it is accepted, a non-retryable answer comes,
// or the export's time is up: Config.Timeout, the caller's deadline or a
// Shutdown. A retry waits for the backoff delay or for the server's
// Retry-After, whichever is longer; a wait that would pass the deadline is
// not started.
func (c *client) send(ctx context.Context, payload []byte) error {
	ctx, cancel := context.WithTimeoutCause(ctx, c.s.timeout, c.timeoutErr)
	defer cancel()

	for n := 0; ; n++ {
		res := c.attempt(ctx, payload)
		if res.err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return c.giveUp(n+1, context.Cause(ctx), res.err)
		}
		if !res.retryable {
			return res.err
		}
		wait := max(c.backoff.delay(n), res.retryAfter)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return fmt.Errorf("otlphttp: giving up after %d attempt(s), the next would start after the deadline: %w",
				n+1, res.err)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return c.giveUp(n+1, context.Cause(ctx), res.err)
		case <-timer.C:
		}
		c.stats.retries.Add(1)
	}
}

// giveUp is the error of an export cut short by its context. It matches
// the cause (context.DeadlineExceeded, context.Canceled, ErrShutdown) and,
// unless that attempt failed only because the context ended, the error of
// the last attempt.
func (c *client) giveUp(attempts int, cause, last error) error {
	if errors.Is(last, context.DeadlineExceeded) || errors.Is(last, context.Canceled) || errors.Is(last, ErrShutdown) {
		return fmt.Errorf("otlphttp: POST %s: gave up after %d attempt(s): %w", c.s.display, attempts, cause)
	}
	return fmt.Errorf("otlphttp: gave up after %d attempt(s): %w; last error: %w", attempts, cause, last)
}
