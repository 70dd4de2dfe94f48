package grpcdiag

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/reprokit/reprokit/correlation"
)

// server is the per-request work of the server interceptors, built once per
// constructor call and shared by the unary and stream interceptors it
// returns. It is safe for concurrent use.
type server struct {
	res *correlation.Resolver
	key string         // metadata key of the ID, lower case
	tel *telemetry     // nil without WithTracing
	dbg *debugSampling // nil without WithDebugSample
	cap *capturing     // nil without WithCapture
	cfg config
}

func newServer(cfg config) *server {
	res := correlation.NewResolver(cfg.correlation...)
	key, ok := metadataKey(res.Header())
	if !ok {
		cfg.log().Warn("grpcdiag: correlation header is not a valid gRPC metadata key; using the default",
			slog.String("header", res.Header()), slog.String("key", key))
	}
	return &server{res: res, key: key, tel: newTelemetry(cfg, false), dbg: newDebugSampling(cfg), cap: newCapturing(cfg), cfg: cfg}
}

// begin resolves the ID of the call whose incoming context is ctx and
// returns the context the handler gets, carrying the ID, and the response
// header metadata that echoes it. When the incoming ID is refused, the
// returned context's incoming metadata no longer holds the key, so a handler
// that reads the metadata directly cannot pick the refused value up. The
// Resolver accepts and makes only printable ASCII IDs, so the ID is always
// a valid metadata value.
func (s *server) begin(ctx context.Context) (context.Context, metadata.MD) {
	values := metadata.ValueFromIncomingContext(ctx, s.key)
	var from netip.Addr
	if len(values) > 0 {
		from = peerAddr(ctx)
	}
	id, out := s.res.Resolve(values, from)
	if out == correlation.Rejected {
		ctx = withoutIncoming(ctx, s.key)
	}
	return correlation.NewContext(ctx, id), metadata.MD{s.key: []string{id}}
}

// unary is the grpc.UnaryServerInterceptor.
func (s *server) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, header := s.begin(ctx)
	if err := grpc.SetHeader(ctx, header); err != nil {
		s.headerFailed(ctx, err)
	}
	if s.tel == nil && s.dbg == nil && s.cap == nil {
		return handler(ctx, req)
	}
	var fullMethod string
	if info != nil {
		fullMethod = info.FullMethod
	}
	// The steps run correlation, tracing, debug, capture, handler: each
	// wraps the next, so the innermost is wrapped first.
	if s.cap != nil {
		if s.tel == nil && s.dbg == nil {
			return s.cap.serveUnary(ctx, req, fullMethod, handler)
		}
		handler = s.cap.unary(fullMethod, handler)
	}
	if s.dbg != nil {
		handler = s.dbg.unary(fullMethod, handler)
	}
	if s.tel == nil {
		return handler(ctx, req)
	}
	return s.tel.serveUnary(ctx, req, fullMethod, handler)
}

// stream is the grpc.StreamServerInterceptor.
func (s *server) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, header := s.begin(ss.Context())
	if err := ss.SetHeader(header); err != nil {
		s.headerFailed(ctx, err)
	}
	if s.tel == nil && s.dbg == nil && s.cap == nil {
		return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
	}
	var fullMethod string
	if info != nil {
		fullMethod = info.FullMethod
	}
	if s.cap != nil {
		if s.tel == nil && s.dbg == nil {
			return s.cap.serveStream(srv, &serverStream{ServerStream: ss, ctx: ctx}, fullMethod, handler)
		}
		handler = s.cap.stream(fullMethod, handler)
	}
	if s.dbg != nil {
		handler = s.dbg.stream(fullMethod, handler)
	}
	if s.tel == nil {
		return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
	}
	return s.tel.serveStream(ctx, srv, ss, fullMethod, handler)
}

// serveUnary runs a unary handler in a server span. ctx already holds the
// correlation ID. A panic in the handler is recorded and continues.
func (t *telemetry) serveUnary(ctx context.Context, req any, fullMethod string, handler grpc.UnaryHandler) (resp any, err error) {
	if t.noop {
		ctx, _ = t.extract(ctx)
		return handler(ctx, req)
	}
	start := time.Now()
	ctx, span, m := t.startServer(ctx, fullMethod)
	defer func() {
		if p := recover(); p != nil {
			t.end(ctx, span, m, start, nil, p)
			panic(p)
		}
		t.end(ctx, span, m, start, err, nil)
	}()
	return handler(ctx, req)
}

// serveStream runs a stream handler in a server span, with a stream whose
// Context is ctx, holding the correlation ID, and the span.
func (t *telemetry) serveStream(ctx context.Context, srv any, ss grpc.ServerStream, fullMethod string, handler grpc.StreamHandler) (err error) {
	if t.noop {
		ctx, _ = t.extract(ctx)
		return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
	}
	start := time.Now()
	ctx, span, m := t.startServer(ctx, fullMethod)
	defer func() {
		if p := recover(); p != nil {
			t.end(ctx, span, m, start, nil, p)
			panic(p)
		}
		t.end(ctx, span, m, start, err, nil)
	}()
	return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
}

// headerFailed reports that the ID could not be set on the response header.
// Only the status code of err is logged: the text of the error grpc.SetHeader
// returns when ctx holds no stream prints ctx, incoming metadata and all,
// and so could carry the refused ID.
func (s *server) headerFailed(ctx context.Context, err error) {
	s.cfg.log().LogAttrs(ctx, slog.LevelWarn, "grpcdiag: cannot set the correlation ID on the response header",
		slog.String("code", status.Code(err).String()))
}

// serverStream is a grpc.ServerStream whose Context is the one the
// interceptors built. Everything else is the wrapped stream's.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

var _ grpc.ServerStream = (*serverStream)(nil)

// Context returns the stream's context, carrying the correlation ID and,
// with tracing, the server span and, with debug sampling, the decision.
func (s *serverStream) Context() context.Context { return s.ctx }

// withoutIncoming returns a copy of ctx whose incoming metadata lacks key
// (lower case). It copies the metadata, which is acceptable because it is
// done only for refused IDs.
func withoutIncoming(ctx context.Context, key string) context.Context {
	md, ok := metadata.FromIncomingContext(ctx) // a copy, keys lower-cased
	if !ok {
		return ctx
	}
	delete(md, key)
	return metadata.NewIncomingContext(ctx, md)
}

// peerAddr returns the IP address of the call's peer, without zone, or the
// zero Addr when the peer is unknown or not an IP endpoint (a Unix socket,
// for one), which a trusted-proxy policy never trusts.
func peerAddr(ctx context.Context) netip.Addr {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return netip.Addr{}
	}
	var a netip.Addr
	if tcp, ok := p.Addr.(*net.TCPAddr); ok {
		a = tcp.AddrPort().Addr()
	} else if ap, err := netip.ParseAddrPort(p.Addr.String()); err == nil {
		a = ap.Addr()
	}
	return a.WithZone("")
}
