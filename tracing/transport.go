package tracing

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/reprokit/reprokit/internal/redact"
)

// NewTransport returns a RoundTripper that wraps each outgoing request in a
// client span, child of the span in the request's context, and sends the
// trace context and baggage with it (traceparent, tracestate, baggage). The
// span ends when the response body is read to its end or closed, or at
// once when the round trip fails; a 4xx or 5xx response or a failure marks
// it as an error. It records http.client.request.duration.
//
// The caller's request is never modified: headers are set on a copy. It
// composes with correlation.NewTransport in either order. If base is nil,
// http.DefaultTransport is used.
func NewTransport(base http.RoundTripper, opts ...Option) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	c := newConfig(opts)
	return &transport{
		base: base,
		cfg:  c,
		tracer: c.tp.Tracer(instrumentationName,
			trace.WithInstrumentationVersion(version),
			trace.WithSchemaURL(semconvSchemaURL)),
		duration: newDurationRecorder(c.mp, "http.client.request.duration", "Duration of HTTP client requests."),
	}
}

type transport struct {
	base     http.RoundTripper
	cfg      config
	tracer   trace.Tracer
	duration *durationRecorder
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	methodKV, methodName, known := method(req.Method)
	k := seriesKey{method: methodKV.Value.AsString(), https: req.URL.Scheme == "https"}

	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs, methodKV, semconv.URLFullKey.String(clean(redactURL(req.URL), maxPathLen)))
	if !known {
		attrs = append(attrs, semconv.HTTPRequestMethodOriginalKey.String(clean(req.Method, maxMethodLen)))
	}
	host, port := splitHostPort(req.URL.Host)
	if port < 0 {
		port = defaultPort(req.URL.Scheme)
	}
	if host != "" {
		attrs = append(attrs, semconv.ServerAddressKey.String(clean(host, maxHeaderLen)))
	}
	if port > 0 {
		attrs = append(attrs, semconv.ServerPortKey.Int(port))
	}
	attrs = headerAttrs(attrs, "http.request.header.", t.cfg.reqHeaders, req.Header)

	ctx, span := t.tracer.Start(req.Context(), methodName,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))

	out := req.WithContext(ctx)
	out.Header = req.Header.Clone()
	if out.Header == nil {
		out.Header = make(http.Header)
	}
	t.cfg.prop.Inject(ctx, propagation.HeaderCarrier(out.Header))

	resp, err := t.base.RoundTrip(out)
	if err != nil {
		k.errType = errorType(err)
		span.SetAttributes(semconv.ErrorTypeKey.String(k.errType))
		span.RecordError(err)
		span.SetStatus(codes.Error, clean(err.Error(), maxHeaderLen))
		span.End()
		t.duration.record(ctx, time.Since(start).Seconds(), k)
		return resp, err
	}
	k.status = resp.StatusCode
	k.version = protoVersion(resp.ProtoMajor, resp.ProtoMinor)
	span.SetAttributes(semconv.HTTPResponseStatusCodeKey.Int(resp.StatusCode),
		semconv.NetworkProtocolVersionKey.String(k.version))
	if len(t.cfg.respHeaders) > 0 {
		span.SetAttributes(headerAttrs(nil, "http.response.header.", t.cfg.respHeaders, resp.Header)...)
	}
	if resp.StatusCode >= 400 {
		k.errType = strconv.Itoa(resp.StatusCode)
		span.SetAttributes(semconv.ErrorTypeKey.String(k.errType))
		span.SetStatus(codes.Error, "")
	}
	end := func() {
		span.End()
		t.duration.record(ctx, time.Since(start).Seconds(), k)
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		end()
		return resp, nil
	}
	b := &body{rc: resp.Body, end: end}
	if rw, ok := resp.Body.(io.ReadWriteCloser); ok {
		// A 101 Switching Protocols body is writable; keep it so.
		resp.Body = &writableBody{body: b, w: rw}
	} else {
		resp.Body = b
	}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of the base transport
// if it can.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Unwrap returns the base RoundTripper.
func (t *transport) Unwrap() http.RoundTripper { return t.base }

// body ends the client span when the response body is fully read or
// closed, whichever comes first.
type body struct {
	rc   io.ReadCloser
	once sync.Once
	end  func()
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil {
		b.once.Do(b.end)
	}
	return n, err
}

func (b *body) Close() error {
	err := b.rc.Close()
	b.once.Do(b.end)
	return err
}

type writableBody struct {
	*body
	w io.Writer
}

func (b *writableBody) Write(p []byte) (int, error) { return b.w.Write(p) }

func defaultPort(scheme string) int {
	switch scheme {
	case "http":
		return 80
	case "https":
		return 443
	}
	return -1
}

// errorType names a transport failure for error.type, with a low
// cardinality: "canceled", "timeout" or "_OTHER".
func errorType(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "_OTHER"
}

// redactURL returns u as url.full may hold it: credentials replaced, and
// the values of query parameters whose name is sensitive (or that look
// like credentials) replaced by "REDACTED".
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.UserPassword("REDACTED", "REDACTED")
	}
	if c.RawQuery != "" {
		q, err := url.ParseQuery(c.RawQuery)
		if err != nil {
			c.RawQuery = "REDACTED"
		} else {
			changed := false
			for name, values := range q {
				for i, v := range values {
					if redact.SensitiveName(name) || sensitiveQuery[name] || redact.SecretValue(v) {
						values[i] = "REDACTED"
						changed = true
					}
				}
			}
			if changed {
				c.RawQuery = q.Encode()
			}
		}
	}
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// sensitiveQuery are the query parameters the semantic conventions name as
// signatures to redact in url.full.
var sensitiveQuery = map[string]bool{"AWSAccessKeyId": true, "Signature": true, "sig": true, "X-Goog-Signature": true}
