package grpcdiag

import (
	"context"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/reprokit/reprokit/debugsample"
)

// debugSampling is the debug sampling work of the server interceptors,
// built once per constructor call: one Sampler, so one rate cap and one
// set of counts, for every call. It is safe for concurrent use.
type debugSampling struct {
	s      *debugsample.Sampler
	remote atomic.Pointer[remoteText] // the last peer address seen
}

// remoteText is a TCP peer address and its text form. The calls a server
// gets come mostly from a few connections, each with one address value.
type remoteText struct {
	addr *net.TCPAddr
	text string
}

// newDebugSampling returns the debug sampling work that cfg asks for, nil
// if WithDebugSample was not given.
func newDebugSampling(cfg config) *debugSampling {
	if !cfg.debug {
		return nil
	}
	return &debugSampling{s: debugsample.NewSampler(cfg.debugsample...)}
}

// unary returns handler wrapped in the debug step of a call to fullMethod.
// It runs inside the correlation and tracing steps, so the decision is
// drawn from the call's trace ID (or correlation ID).
func (d *debugSampling) unary(fullMethod string, handler grpc.UnaryHandler) grpc.UnaryHandler {
	return func(ctx context.Context, req any) (resp any, err error) {
		ctx, run, r := d.begin(ctx, fullMethod)
		if run == nil {
			return handler(ctx, req)
		}
		returned := false
		defer func() {
			// No recover: a panic (or runtime.Goexit) goes on with its
			// stack intact, and counts as a failure.
			d.finish(run, r, err, !returned)
		}()
		resp, err = handler(ctx, req)
		returned = true
		return resp, err
	}
}

// stream returns handler wrapped in the debug step of a call to
// fullMethod; the handler gets a stream whose Context carries the
// decision.
func (d *debugSampling) stream(fullMethod string, handler grpc.StreamHandler) grpc.StreamHandler {
	return func(srv any, ss grpc.ServerStream) (err error) {
		ctx, run, r := d.begin(ss.Context(), fullMethod)
		if w, ok := ss.(*serverStream); ok {
			ss = w.ServerStream // made by this package for this call: not wrapped twice
		}
		ss = &serverStream{ServerStream: ss, ctx: ctx}
		if run == nil {
			return handler(srv, ss)
		}
		returned := false
		defer func() { d.finish(run, r, err, !returned) }()
		err = handler(srv, ss)
		returned = true
		return err
	}
}

// begin decides the call whose context is ctx and returns the handler's
// context, which carries the decision and, for a sampled call, the debug
// baggage member. The Run and the request view are returned only for a
// buffered call, the only kind that has anything to finish.
func (d *debugSampling) begin(ctx context.Context, fullMethod string) (context.Context, *debugsample.Run, *http.Request) {
	r := requestView(ctx, fullMethod, d.remoteAddr(ctx))
	dec := d.s.Decide(r)
	ctx, run := d.s.Begin(ctx, dec)
	if dec.Mode != debugsample.Buffered {
		return ctx, nil, nil
	}
	return ctx, run, r
}

// finish ends a buffered call that returned err, or panicked: its buffer
// is flushed if the call failed, discarded otherwise.
func (d *debugSampling) finish(run *debugsample.Run, r *http.Request, err error, panicked bool) {
	code := codes.OK
	if err != nil {
		code = statusOf(err).Code()
	}
	run.Finish(r, httpStatus(code), panicked)
}

// remoteAddr returns the address of the call's peer as
// Request.RemoteAddr holds it, host:port, "" if unknown.
func (d *debugSampling) remoteAddr(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	tcp, ok := p.Addr.(*net.TCPAddr)
	if !ok {
		return p.Addr.String()
	}
	if last := d.remote.Load(); last != nil && last.addr == tcp {
		return last.text
	}
	text := tcp.String()
	d.remote.Store(&remoteText{addr: tcp, text: text})
	return text
}

// requestView returns the HTTP request that a call to fullMethod, whose
// incoming context is ctx, looks like to a debugsample.Sampler: method
// POST, as gRPC sends every call, path and request URI the full method,
// protocol HTTP/2.0, Host the :authority, RemoteAddr remote, and for
// headers the incoming metadata under canonical names, but for
// pseudo-headers and binary (-bin) keys. Its context is ctx and its body
// http.NoBody: the messages are the handler's.
func requestView(ctx context.Context, fullMethod, remote string) *http.Request {
	// A copy, with lower-case keys, made the header in place: a lower-case
	// key and a canonical one never collide, and a canonical key met again
	// by the loop is left as it is.
	md, _ := metadata.FromIncomingContext(ctx)
	var host string
	for k, v := range md {
		switch {
		case k == ":authority":
			if len(v) > 0 {
				host = v[0]
			}
			delete(md, k)
		case strings.HasPrefix(k, ":"), strings.HasSuffix(k, "-bin"):
			delete(md, k)
		default:
			if c := canonicalKey(k); c != k {
				delete(md, k)
				md[c] = v
			}
		}
	}
	base := http.Request{
		Method:     http.MethodPost,
		URL:        &url.URL{Path: fullMethod},
		Proto:      "HTTP/2.0",
		ProtoMajor: 2,
		Header:     http.Header(md),
		Body:       http.NoBody,
		Host:       host,
		RemoteAddr: remote,
		RequestURI: fullMethod,
	}
	return base.WithContext(ctx)
}

// canonicalKey returns the canonical HTTP form of a metadata key, which
// gRPC keeps in lower case, without allocating for the keys that
// debugsample reads by default.
func canonicalKey(k string) string {
	switch k {
	case "x-debug-token":
		return debugsample.DefaultTokenHeader
	case "baggage":
		return "Baggage"
	case DefaultMetadataKey:
		return "X-Request-Id"
	case "traceparent":
		return "Traceparent"
	}
	return textproto.CanonicalMIMEHeaderKey(k)
}

// httpStatus returns the HTTP status that google.rpc.Code documents for
// code, which debugsample's failure predicate reads: 500 and above for the
// codes that mean the server failed (Unknown, DeadlineExceeded,
// Unimplemented, Internal, Unavailable, DataLoss), so that its default, a
// status of 500 or more, flushes exactly those; 500 for codes gRPC does
// not define, which it treats as Unknown.
func httpStatus(code codes.Code) int {
	switch code {
	case codes.OK:
		return http.StatusOK
	case codes.Canceled:
		return 499 // Client Closed Request
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return http.StatusBadRequest
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	case codes.NotFound:
		return http.StatusNotFound
	case codes.AlreadyExists, codes.Aborted:
		return http.StatusConflict
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.Unimplemented:
		return http.StatusNotImplemented
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError // Unknown, Internal, DataLoss, undefined
}

// baggageKey is the metadata key of W3C baggage.
const baggageKey = "baggage"

// The debug baggage members a client sends, one per sampled mode.
var (
	liveMember     = debugsample.BaggageKey + "=" + debugsample.Live.String()
	bufferedMember = debugsample.BaggageKey + "=" + debugsample.Buffered.String()
)

// sendsBaggage reports whether p writes W3C baggage.
func sendsBaggage(p propagation.TextMapPropagator) bool {
	return slices.Contains(p.Fields(), baggageKey)
}

// outgoingDebug returns ctx with the debug baggage member of its baggage,
// if it holds a sampled one, appended to its outgoing metadata as a
// baggage value of its own, for a client whose propagator does not send
// baggage. A member the caller put in the outgoing metadata wins; the rest
// of the context's baggage is not sent.
func outgoingDebug(ctx context.Context) context.Context {
	var member string
	switch baggage.FromContext(ctx).Member(debugsample.BaggageKey).Value() {
	case debugsample.Live.String():
		member = liveMember
	case debugsample.Buffered.String():
		member = bufferedMember
	default:
		return ctx
	}
	if md, ok := metadata.FromOutgoingContext(ctx); ok && carriesDebug(md[baggageKey]) {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, baggageKey, member)
}

// carriesDebug reports whether the baggage values hold the debug member.
func carriesDebug(values []string) bool {
	for _, v := range values {
		if !strings.Contains(v, debugsample.BaggageKey) {
			continue
		}
		if b, err := baggage.Parse(v); err == nil && b.Member(debugsample.BaggageKey).Key() != "" {
			return true
		}
	}
	return false
}
