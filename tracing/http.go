package tracing

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/internal/httpreq"
	"github.com/reprokit/reprokit/internal/respwriter"
)

// NewMiddleware returns middleware that traces every request with one
// server span, built directly on the OpenTelemetry API, and records its
// duration in the http.server.request.duration histogram.
//
// The span is named "{method} {route}" with the attributes the HTTP
// semantic conventions require for a server span, plus the correlation ID
// (see [CorrelationIDKey]) when package correlation's middleware runs
// before this one. A 5xx response marks the span as an error. A panic in
// the handler is recorded on the span as an exception event, the span is
// ended as an error, and the panic continues up the stack.
//
// The incoming traceparent and baggage become the parent context unless
// the endpoint is public or the peer untrusted ([WithPublicEndpoint],
// [WithTrustedProxies]); then the span starts a new trace linked to the
// caller's context.
//
// The handler gets a response writer that keeps http.Flusher,
// http.Hijacker, io.ReaderFrom, http.Pusher and Unwrap (for
// http.ResponseController) when the server's writer has them, and the
// request body untouched.
func NewMiddleware(opts ...Option) func(http.Handler) http.Handler {
	c := newConfig(opts)
	s := &server{
		cfg:    c,
		noop:   isNoop(c),
		fields: canonicalFields(c.prop),
		tracer: c.tp.Tracer(instrumentationName,
			trace.WithInstrumentationVersion(version),
			trace.WithSchemaURL(semconvSchemaURL)),
		duration: newDurationRecorder(c.mp, "http.server.request.duration", "Duration of HTTP server requests."),
	}
	return func(next http.Handler) http.Handler {
		return &handler{server: s, next: next}
	}
}

// NewHandler wraps h in the middleware of [NewMiddleware].
func NewHandler(h http.Handler, opts ...Option) http.Handler {
	return NewMiddleware(opts...)(h)
}

const semconvSchemaURL = semconv.SchemaURL

// server is the state shared by every handler one NewMiddleware call
// wraps. It is safe for concurrent use.
type server struct {
	cfg      config
	noop     bool     // both providers are no-ops: only propagate
	fields   []string // canonical header names the propagator reads
	tracer   trace.Tracer
	duration *durationRecorder
}

type handler struct {
	*server
	next http.Handler
}

// maxServerAttrs is the number of attributes a server span starts with at
// most, before captured headers.
const maxServerAttrs = 16

// scratch holds the slices a request needs only while it calls the span:
// the SDK copies attributes and options, so they are pooled instead of
// allocated per request.
type scratch struct {
	attrs []attribute.KeyValue
	opts  []trace.SpanStartOption
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		attrs: make([]attribute.KeyValue, 0, maxServerAttrs),
		opts:  make([]trace.SpanStartOption, 0, 4),
	}
}}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func (sc *scratch) release() {
	clear(sc.attrs[:cap(sc.attrs)])
	clear(sc.opts[:cap(sc.opts)])
	if cap(sc.attrs) > 4*maxServerAttrs {
		return // grown by many captured headers: let it go
	}
	sc.attrs, sc.opts = sc.attrs[:0], sc.opts[:0]
	scratchPool.Put(sc)
}

var serverKind = trace.WithSpanKind(trace.SpanKindServer)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.filter != nil && !h.cfg.filter(r) {
		h.next.ServeHTTP(w, r)
		return
	}
	if h.noop {
		// Nothing is recorded, but the caller's trace context still
		// reaches the handler's logs and outgoing calls.
		if ctx := h.extract(r); ctx != r.Context() {
			inner := r.WithContext(ctx)
			h.next.ServeHTTP(w, inner)
			httpreq.PatternBack(r, inner)
			return
		}
		h.next.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	ctx, span, k := h.start(r)
	rw := respwriter.Wrap(w, nil)
	outer := r
	r = r.WithContext(ctx)

	defer func() {
		httpreq.PatternBack(outer, r)
		status := respwriter.Of(rw).Status()
		if p := recover(); p != nil {
			h.finish(ctx, span, r, rw, status, k, start, p)
			panic(p)
		}
		h.finish(ctx, span, r, rw, status, k, start, nil)
	}()
	h.next.ServeHTTP(rw, r)
}

// extract returns the request's context with the caller's trace context
// and baggage, when the caller is trusted.
func (s *server) extract(r *http.Request) context.Context {
	if !s.carriesContext(r.Header) {
		return r.Context()
	}
	remote, ok := peer(r.RemoteAddr)
	if !s.cfg.trusts(remote, ok) {
		return r.Context()
	}
	return s.cfg.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
}

// carriesContext reports whether h has any header the propagator reads.
// Most requests at an edge have none, and skipping Extract for them saves
// the header-name canonicalisation it does per field.
func (s *server) carriesContext(h http.Header) bool {
	for _, f := range s.fields {
		if len(h[f]) > 0 {
			return true
		}
	}
	return false
}

// canonicalFields returns the header names p reads, in canonical form.
func canonicalFields(p propagation.TextMapPropagator) []string {
	var out []string
	for _, f := range p.Fields() {
		out = append(out, http.CanonicalHeaderKey(f))
	}
	return out
}

// start extracts the incoming context, starts the server span and returns
// the handler's context, the span and the metric series filled in so far.
func (s *server) start(r *http.Request) (context.Context, trace.Span, seriesKey) {
	ctx := r.Context()
	remote, remoteOK := peer(r.RemoteAddr)
	carrier := propagation.HeaderCarrier(r.Header)
	var link trace.Link
	switch {
	case !s.carriesContext(r.Header):
	case s.cfg.trusts(remote, remoteOK):
		ctx = s.cfg.prop.Extract(ctx, carrier)
	default:
		sc := trace.SpanContextFromContext(s.cfg.prop.Extract(context.Background(), carrier))
		if !sc.IsValid() {
			break
		}
		// An untrusted caller's context is linked, never the parent, and
		// the link does not carry its sampled decision into ours.
		link = trace.Link{SpanContext: sc}
	}

	methodKV, methodName, known := method(r.Method)
	k := seriesKey{method: methodKV.Value.AsString(), https: r.TLS != nil, version: protoVersion(r.ProtoMajor, r.ProtoMinor)}
	if s.cfg.routeFunc != nil {
		k.route = clean(s.cfg.routeFunc(r), maxPathLen)
	} else if r.Pattern != "" {
		k.route = routeOf(r.Pattern)
	}

	if s.cfg.preStart != nil {
		if pctx := s.cfg.preStart(r, ctx); pctx != nil {
			ctx = pctx
		}
	}

	sc := getScratch()
	defer sc.release()
	attrs := append(sc.attrs,
		methodKV,
		semconv.URLSchemeKey.String(scheme(r)),
		semconv.URLPathKey.String(clean(r.URL.Path, maxPathLen)),
		semconv.NetworkProtocolVersionKey.String(k.version),
	)
	if !known {
		attrs = append(attrs, semconv.HTTPRequestMethodOriginalKey.String(clean(r.Method, maxMethodLen)))
	}
	if host, port := splitHostPort(r.Host); host != "" {
		attrs = append(attrs, semconv.ServerAddressKey.String(clean(host, maxHeaderLen)))
		if port > 0 {
			attrs = append(attrs, semconv.ServerPortKey.Int(port))
		}
	}
	if remoteOK {
		peerAddr := hostOf(r.RemoteAddr, remote)
		clientAddr := peerAddr
		if s.cfg.restrictPeers && s.cfg.isProxy(remote.Addr()) {
			if a, ok := s.cfg.forwardedClient(r.Header); ok {
				clientAddr = a.String()
			}
		}
		attrs = append(attrs,
			semconv.ClientAddressKey.String(clientAddr),
			semconv.NetworkPeerAddressKey.String(peerAddr),
			semconv.NetworkPeerPortKey.Int(int(remote.Port())),
		)
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, semconv.UserAgentOriginalKey.String(clean(ua, maxUserAgentLen)))
	}
	if k.route != "" {
		attrs = append(attrs, semconv.HTTPRouteKey.String(k.route))
	}
	if id, ok := correlation.FromContext(ctx); ok {
		attrs = append(attrs, CorrelationIDKey.String(id))
	}
	attrs = headerAttrs(attrs, "http.request.header.", s.cfg.reqHeaders, r.Header)
	sc.attrs = attrs

	opts := append(sc.opts, serverKind, trace.WithAttributes(attrs...))
	if link.SpanContext.IsValid() {
		opts = append(opts, trace.WithNewRoot(), trace.WithLinks(link))
	}
	sc.opts = opts
	ctx, span := s.tracer.Start(ctx, spanName(methodName, k.route), opts...)
	return ctx, span, k
}

// finish ends the span and records the duration. p is the value the
// handler panicked with, if it did.
func (s *server) finish(ctx context.Context, span trace.Span, r *http.Request, w http.ResponseWriter, status int, k seriesKey, start time.Time, p any) {
	recording := span.IsRecording()
	sc := getScratch()
	defer sc.release()
	attrs := sc.attrs
	if k.route == "" && r.Pattern != "" {
		// http.ServeMux set the pattern on our copy of the request.
		k.route = routeOf(r.Pattern)
		if recording {
			_, methodName, _ := method(r.Method)
			span.SetName(spanName(methodName, k.route))
			attrs = append(attrs, semconv.HTTPRouteKey.String(k.route))
		}
	}
	if status == 0 && p == nil {
		status = http.StatusOK // what net/http sends for a handler that wrote nothing
	}
	if status > 0 {
		k.status = status
		attrs = append(attrs, semconv.HTTPResponseStatusCodeKey.Int(status))
	}
	if recording && len(s.cfg.respHeaders) > 0 {
		attrs = headerAttrs(attrs, "http.response.header.", s.cfg.respHeaders, w.Header())
	}
	switch {
	case p != nil:
		k.errType = panicType(p)
		if recording {
			span.AddEvent(semconv.ExceptionEventName, trace.WithAttributes(
				semconv.ExceptionTypeKey.String(k.errType),
				semconv.ExceptionMessageKey.String(clean(fmt.Sprint(p), maxHeaderLen)),
				semconv.ExceptionStacktraceKey.String(string(debug.Stack())),
			))
		}
		attrs = append(attrs, semconv.ErrorTypeKey.String(k.errType))
		span.SetStatus(codes.Error, "panic")
	case status >= 500:
		attrs = append(attrs, semconv.ErrorTypeKey.String(strconv.Itoa(status)))
		span.SetStatus(codes.Error, "")
	}
	if recording {
		span.SetAttributes(attrs...)
	}
	sc.attrs = attrs
	span.End()
	s.duration.record(ctx, time.Since(start).Seconds(), k)
}

// panicType names the type of a panic value, as exception.type wants.
func panicType(p any) string {
	if p == http.ErrAbortHandler {
		return "http.ErrAbortHandler"
	}
	return fmt.Sprintf("%T", p)
}
