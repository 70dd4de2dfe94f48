package otlphttp

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrShutdown is returned by Export after Shutdown, and is the cause of the
// cancellation of an export that Shutdown aborted.
var ErrShutdown = errors.New("otlphttp: exporter is shut down")

// shutdownError is ErrShutdown that also matches the SDK's own sentinel
// (sdklog.ErrExporterShutdown, sdkmetric.ErrExporterShutdown) with
// errors.Is, so SDK code that checks for it keeps working.
type shutdownError struct{ sdk error }

func (e shutdownError) Error() string { return ErrShutdown.Error() }

func (e shutdownError) Is(target error) bool {
	return target == ErrShutdown || (e.sdk != nil && target == e.sdk)
}

// HTTPError reports a response whose status is not 2xx. It never holds a
// request header, and its Message is sanitized: no control characters, no
// invalid UTF-8, no configured header value, at most MaxErrorMessage bytes.
type HTTPError struct {
	// Endpoint is the endpoint without user information or query.
	Endpoint string
	// StatusCode is the response status.
	StatusCode int
	// Message is the sanitized text of the response: the message of a
	// protobuf google.rpc.Status body, else the start of the body.
	// It may be empty.
	Message string
	// RetryAfter is the wait the server asked for with Retry-After, or 0.
	RetryAfter time.Duration
}

// Error implements error.
func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("otlphttp: POST %s: %d %s", e.Endpoint, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Temporary reports whether the status is one the exporter retries:
// 429, 502, 503 and 504.
func (e *HTTPError) Temporary() bool { return retryableStatus(e.StatusCode) }
