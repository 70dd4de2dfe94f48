package otlphttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// maxRedirects is how many same-origin redirects the package's own client
// follows.
const maxRedirects = 3

// client posts encoded export requests to one endpoint, with retries, and
// tracks the exports in flight for Shutdown. It is safe for concurrent use.
type client struct {
	s       settings
	backoff backoff
	life    *lifecycle
	stats   counters
	// sdkShutdownErr is the SDK's sentinel Export after Shutdown also
	// matches, or nil.
	sdkShutdownErr error
	// timeoutErr is the cause of an export cut short by Config.Timeout.
	timeoutErr error
}

func newClient(cfg Config, sdkShutdownErr error) (*client, error) {
	s, err := newSettings(cfg)
	if err != nil {
		return nil, err
	}
	return &client{
		s:              s,
		backoff:        defaultBackoff,
		life:           newLifecycle(),
		sdkShutdownErr: sdkShutdownErr,
		timeoutErr: fmt.Errorf("otlphttp: export took longer than the %v timeout: %w",
			s.timeout, context.DeadlineExceeded),
	}, nil
}

// newOwnClient returns the client used when Config.Client is nil: a
// transport of its own, so that Shutdown can close its connections without
// touching anyone else's, and redirects followed only when they keep the
// POST (307, 308) and stay within the endpoint's scheme and host, so
// configured headers never reach another host. A redirect not followed
// ends the export with an HTTPError.
func newOwnClient(endpoint *url.URL) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects || req.Method != http.MethodPost ||
				req.URL.Scheme != endpoint.Scheme || req.URL.Host != endpoint.Host {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

// export sends the request build returns, unless it returns nil (nothing
// to send). build runs only if the client is open and ctx is not done. It
// returns nil once the receiver accepted the request with a 2xx status.
func (c *client) export(ctx context.Context, build func() ([]byte, error)) error {
	sent, err := c.exportOnce(ctx, build)
	switch {
	case err != nil:
		c.stats.failures.Add(1)
	case sent:
		c.stats.exports.Add(1)
	}
	return err
}

func (c *client) exportOnce(ctx context.Context, build func() ([]byte, error)) (sent bool, err error) {
	if !c.life.enter() {
		return false, c.errShutdown()
	}
	defer c.life.leave()
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("otlphttp: export not sent: %w", err)
	}
	body, err := build()
	if err != nil {
		return false, fmt.Errorf("otlphttp: encoding: %w", err)
	}
	if body == nil {
		return false, nil
	}
	ctx, release := c.life.bind(ctx)
	defer release()

	if c.s.gzip {
		if body, err = gzipBytes(body); err != nil {
			return false, fmt.Errorf("otlphttp: gzip: %w", err)
		}
	}
	return true, c.send(ctx, body)
}

func (c *client) errShutdown() error { return shutdownError{sdk: c.sdkShutdownErr} }

// shutdown stops the client as lifecycle.shutdown does, then closes the
// idle connections of its own http.Client.
func (c *client) shutdown(ctx context.Context) error {
	first, err := c.life.shutdown(ctx)
	if first && c.s.ownClient {
		c.s.client.CloseIdleConnections()
	}
	return err
}

// attemptResult is the outcome of one POST.
type attemptResult struct {
	err        error         // nil on success
	retryable  bool          // whether another attempt may succeed
	retryAfter time.Duration // the server's Retry-After, or 0
}

// attempt makes one POST of payload.
func (c *client) attempt(ctx context.Context, payload []byte) attemptResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.s.endpoint, bytes.NewReader(payload))
	if err != nil {
		return attemptResult{err: fmt.Errorf("otlphttp: building request: %w", err)}
	}
	req.Header = c.s.header.Clone()
	req.Header.Set("Content-Type", "application/x-protobuf")
	if c.s.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}

	resp, err := c.s.client.Do(req)
	if err != nil {
		return c.transportError(err)
	}
	body, readErr := readBody(resp.Body)

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// The data was accepted; a body that cannot be read or parsed
		// changes nothing about that.
		if readErr == nil {
			c.notePartialSuccess(resp.Header.Get("Content-Type"), body)
		}
		return attemptResult{}
	}

	herr := &HTTPError{
		Endpoint:   c.s.display,
		StatusCode: resp.StatusCode,
		Message:    errorMessage(resp.Header.Get("Content-Type"), body, c.s.secrets),
	}
	res := attemptResult{err: herr, retryable: retryableStatus(resp.StatusCode)}
	if res.retryable {
		herr.RetryAfter, _ = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		res.retryAfter = herr.RetryAfter
	}
	return res
}

// transportError describes a failed round trip without the request URL's
// secrets and decides whether it is worth another attempt.
func (c *client) transportError(err error) attemptResult {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	var certErr *tls.CertificateVerificationError
	permanent := errors.As(err, &certErr)
	return attemptResult{
		err:       fmt.Errorf("otlphttp: POST %s: %w", c.s.display, err),
		retryable: !permanent,
	}
}

// notePartialSuccess counts a partial success found in a 2xx body.
func (c *client) notePartialSuccess(contentType string, body []byte) {
	if len(body) == 0 || (contentType != "" && !isProtobuf(contentType)) {
		return
	}
	ps, err := parsePartialSuccess(body)
	if err != nil || (ps.rejected == 0 && ps.message == "") {
		return
	}
	c.stats.partials.Add(1)
	if ps.rejected > 0 {
		c.stats.rejected.Add(uint64(ps.rejected))
	}
	if ps.message != "" {
		msg := sanitize([]byte(ps.message), c.s.secrets)
		c.stats.lastPartial.Store(&msg)
	}
}

// errorMessage returns the sanitized text to quote for an error response:
// the message of a protobuf google.rpc.Status, else the start of the body.
func errorMessage(contentType string, body []byte, secrets []string) string {
	if isProtobuf(contentType) {
		if msg, err := parseStatusMessage(body); err == nil {
			return sanitize([]byte(msg), secrets)
		}
	}
	return sanitize(body, secrets)
}
