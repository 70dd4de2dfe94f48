package correlation

import (
	"net/http"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
)

// NewTransport returns a RoundTripper that sends the correlation ID of each
// request's context in the ID header (see [WithHeader]) and then calls base.
// A request that already carries the header, or whose context holds no ID,
// is passed on as it is. The caller's request is never modified: the header
// is set on a copy. If base is nil, http.DefaultTransport is used.
//
// It also sends the W3C baggage of the context (go.opentelemetry.io/otel/
// baggage), when there is some and the request has no baggage header yet,
// so that a debug decision of package debugsample reaches the next service
// even without package tracing's transport.
func NewTransport(base http.RoundTripper, opts ...Option) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, header: newConfig(opts).header}
}

type transport struct {
	base   http.RoundTripper
	header string
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	id, ok := FromContext(ctx)
	setID := ok && Printable(id) && len(req.Header[t.header]) == 0
	bag := baggage.FromContext(ctx)
	setBaggage := bag.Len() > 0 && len(req.Header["Baggage"]) == 0
	if !setID && !setBaggage {
		return t.base.RoundTrip(req)
	}
	out := new(http.Request)
	*out = *req
	out.Header = req.Header.Clone()
	if out.Header == nil {
		out.Header = make(http.Header, 2)
	}
	if setID {
		out.Header[t.header] = []string{id}
	}
	if setBaggage {
		propagation.Baggage{}.Inject(ctx, propagation.HeaderCarrier(out.Header))
	}
	return t.base.RoundTrip(out)
}

// CloseIdleConnections closes the idle connections of the base transport
// if it can, so http.Client.CloseIdleConnections works through this one.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Unwrap returns the base RoundTripper.
func (t *transport) Unwrap() http.RoundTripper { return t.base }
