package tracing

import (
	"context"
	"net/http"
	"net/netip"
	"net/textproto"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// Option configures [NewMiddleware], [NewHandler] and [NewTransport].
// Options that do not concern a component are ignored by it.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is the resolved set of options; read-only once built.
type config struct {
	tp        trace.TracerProvider
	mp        metric.MeterProvider
	prop      propagation.TextMapPropagator
	routeFunc func(*http.Request) string
	filter    func(*http.Request) bool
	preStart  func(*http.Request, context.Context) context.Context

	public        bool
	restrictPeers bool
	proxies       []netip.Prefix

	reqHeaders  []string // canonical names
	respHeaders []string
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	if c.prop == nil {
		c.prop = DefaultPropagator()
	}
	return c
}

// isNoop reports whether both providers are the OpenTelemetry no-op ones,
// given explicitly: then nothing can be recorded. The global providers are
// never taken for no-ops, since Setup may register real ones later.
func isNoop(c config) bool {
	_, noTraces := c.tp.(tracenoop.TracerProvider)
	_, noMetrics := c.mp.(metricnoop.MeterProvider)
	return noTraces && noMetrics
}

// DefaultPropagator returns the propagator used when [WithPropagator] is not
// given: W3C trace context and W3C baggage. It is used whatever the global
// propagator is, so an incoming traceparent is never ignored because
// otel.SetTextMapPropagator has not been called yet.
func DefaultPropagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// WithTracerProvider sets the provider of the tracer. The default is the
// global one, otel.GetTracerProvider(), looked up when the middleware or
// transport is built (the global delegates to a provider registered later,
// for example by [Setup]). A nil provider is ignored.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	})
}

// WithMeterProvider sets the provider of the meter that records
// http.server.request.duration. The default is the global one. A nil
// provider is ignored.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) {
		if mp != nil {
			c.mp = mp
		}
	})
}

// WithPropagator sets how trace context and baggage are read from incoming
// requests and written to outgoing ones. The default is
// [DefaultPropagator], not the global propagator. A nil propagator is
// ignored.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return optionFunc(func(c *config) {
		if p != nil {
			c.prop = p
		}
	})
}

// WithRouteFunc sets how the route template of a request (such as
// "/orders/{id}") is found, for routers other than http.ServeMux. It runs
// before the handler; it must return a template, never the raw path, since
// the route becomes a metric attribute, and "" when there is none. By
// default the route is the pattern http.ServeMux sets on the request
// (Request.Pattern, without its method and host), read after the handler
// returns. A nil function is ignored.
func WithRouteFunc(route func(*http.Request) string) Option {
	return optionFunc(func(c *config) {
		if route != nil {
			c.routeFunc = route
		}
	})
}

// WithFilter makes the middleware trace only requests for which keep
// returns true, such as everything but health checks. Requests it drops
// pass to the handler untouched and unrecorded. By default every request is
// traced. A nil function is ignored.
func WithFilter(keep func(*http.Request) bool) Option {
	return optionFunc(func(c *config) {
		if keep != nil {
			c.filter = keep
		}
	})
}

// WithPreStart runs hook for every traced request after the caller's trace
// context is extracted and before the server span starts; the context it
// returns is the span's parent context, and so the handler's. It is how
// another layer puts in the context what the tracer provider's sampler
// must see to decide on the server span itself, as package debugsample
// does with Sampler.PreStart so that a live debug request's server span is
// recorded. The hook must return ctx or a context derived from it. By
// default there is none. A nil hook is ignored.
func WithPreStart(hook func(r *http.Request, ctx context.Context) context.Context) Option {
	return optionFunc(func(c *config) {
		if hook != nil {
			c.preStart = hook
		}
	})
}

// WithPublicEndpoint marks the server as facing untrusted callers: an
// incoming trace context never becomes the parent of the server span. The
// span starts a new trace, linked to the caller's context, and this
// service's sampler alone decides whether it is sampled; the caller's
// baggage is dropped. By default the incoming context is the parent.
func WithPublicEndpoint() Option {
	return optionFunc(func(c *config) { c.public = true })
}

// WithTrustedProxies trusts the incoming trace context and baggage, and the
// X-Forwarded-For header for client.address, only from peers whose address
// is in one of the prefixes; from any other peer the server behaves as
// with [WithPublicEndpoint]. The peer is the connection's address
// (Request.RemoteAddr). Pass the same prefixes as to
// correlation.WithTrustedProxies. Invalid prefixes are ignored; with none
// left, no peer is trusted.
func WithTrustedProxies(prefixes ...netip.Prefix) Option {
	return optionFunc(func(c *config) {
		c.restrictPeers = true
		c.proxies = make([]netip.Prefix, 0, len(prefixes))
		for _, p := range prefixes {
			if p.IsValid() {
				c.proxies = append(c.proxies, p.Masked())
			}
		}
	})
}

// WithRequestHeaders records the named request headers on the server span
// as http.request.header.<name> attributes (and, on the transport, those of
// outgoing requests). Values are redacted by reprokit's defaults before
// they are recorded: credential headers (Authorization, Cookie, …), names
// containing fragments such as "token" or "secret", and values that look
// like credentials are replaced by "[REDACTED]". By default no header is
// recorded.
func WithRequestHeaders(names ...string) Option {
	return optionFunc(func(c *config) { c.reqHeaders = appendCanonical(c.reqHeaders, names) })
}

// WithResponseHeaders records the named response headers as
// http.response.header.<name> attributes, redacted as with
// [WithRequestHeaders]. By default no header is recorded.
func WithResponseHeaders(names ...string) Option {
	return optionFunc(func(c *config) { c.respHeaders = appendCanonical(c.respHeaders, names) })
}

func appendCanonical(dst, names []string) []string {
	for _, n := range names {
		if n != "" {
			dst = append(dst, textproto.CanonicalMIMEHeaderKey(n))
		}
	}
	return dst
}

// Settings is what a set of [Option] values resolves to. Other transports
// that trace the way this package does (package grpcdiag) read it, so that
// one set of options configures HTTP and gRPC alike.
type Settings struct {
	// TracerProvider and MeterProvider are never nil: the global ones
	// when no option set them.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// Propagator is never nil: [DefaultPropagator] unless set.
	Propagator propagation.TextMapPropagator
	// PublicEndpoint is true when incoming trace context must never be
	// the parent ([WithPublicEndpoint]).
	PublicEndpoint bool
	// TrustedProxies, when non-nil, are the only peers whose trace context
	// is trusted ([WithTrustedProxies]); empty and non-nil trusts none.
	TrustedProxies []netip.Prefix
}

// Resolve returns the settings opts resolve to, with the defaults filled
// in.
func Resolve(opts ...Option) Settings {
	c := newConfig(opts)
	s := Settings{
		TracerProvider: c.tp,
		MeterProvider:  c.mp,
		Propagator:     c.prop,
		PublicEndpoint: c.public,
	}
	if c.restrictPeers {
		s.TrustedProxies = append([]netip.Prefix{}, c.proxies...)
	}
	return s
}

// Noop reports whether both providers are the OpenTelemetry no-op ones,
// given explicitly: nothing can be recorded, only context propagated.
func (s Settings) Noop() bool {
	return isNoop(config{tp: s.TracerProvider, mp: s.MeterProvider})
}

// TrustsPeer reports whether the trace context of a caller at addr may be
// the parent of the server span under these settings. An invalid addr is
// trusted only when every peer is.
func (s Settings) TrustsPeer(addr netip.Addr) bool {
	return trustsPeer(s.PublicEndpoint, s.TrustedProxies != nil, s.TrustedProxies, addr)
}
