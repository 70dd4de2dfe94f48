package grpcdiag

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/reprokit/reprokit/correlation"
)

// client is the per-call work of the client interceptors, built once per
// constructor call. It is safe for concurrent use.
type client struct {
	key   string     // metadata key of the ID, lower case
	tel   *telemetry // nil without WithTracing
	debug bool       // send the debug baggage member: WithDebugSample without a baggage propagator
}

func newClient(cfg config) *client {
	header := correlation.NewResolver(cfg.correlation...).Header()
	key, ok := metadataKey(header)
	if !ok {
		cfg.log().Warn("grpcdiag: correlation header is not a valid gRPC metadata key; using the default",
			slog.String("header", header), slog.String("key", key))
	}
	c := &client{key: key, tel: newTelemetry(cfg, true)}
	c.debug = cfg.debug && (c.tel == nil || !sendsBaggage(c.tel.prop))
	return c
}

// outgoing returns ctx with the correlation ID it carries appended to its
// outgoing metadata. ctx is returned as it is when it carries no ID, when
// the ID holds bytes gRPC does not allow in a metadata value (the call
// would fail), or when the outgoing metadata already has the key, set by the
// caller on purpose.
func (c *client) outgoing(ctx context.Context) context.Context {
	id, ok := correlation.FromContext(ctx)
	if !ok || !correlation.Printable(id) {
		return ctx
	}
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md[c.key]) > 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, c.key, id)
}

// outgoingTraced does what outgoing does and also sends the trace context
// and baggage of ctx, in one step. The caller's own value of the ID key
// wins, as in outgoing; the trace context of ctx replaces any the caller
// put in the metadata, so that the next service's span is the child of
// the client span. The caller's metadata is never modified: gRPC's
// FromOutgoingContext returns a copy.
func (c *client) outgoingTraced(ctx context.Context) context.Context {
	oc := getOutgoing()
	defer oc.release()
	c.tel.prop.Inject(ctx, oc)
	traced := len(oc.pairs)
	if id, ok := correlation.FromContext(ctx); ok && correlation.Printable(id) && oc.Get(c.key) == "" {
		oc.pairs = append(oc.pairs, c.key, id)
	}
	if len(oc.pairs) == 0 {
		return ctx
	}

	md, ok := metadata.FromOutgoingContext(ctx)
	if !ok {
		return metadata.AppendToOutgoingContext(ctx, oc.pairs...)
	}
	override := false
	for i := 0; i < traced; i += 2 {
		override = override || len(md[oc.pairs[i]]) > 0
	}
	if !override {
		pairs := oc.pairs
		if len(md[c.key]) > 0 && len(pairs) > traced {
			pairs = pairs[:traced] // the caller's ID wins
		}
		if len(pairs) == 0 {
			return ctx
		}
		return metadata.AppendToOutgoingContext(ctx, pairs...)
	}
	for i := 0; i < len(oc.pairs); i += 2 {
		k, v := oc.pairs[i], oc.pairs[i+1]
		if i >= traced && len(md[k]) > 0 {
			continue // the caller's ID wins
		}
		md[k] = []string{v}
	}
	return metadata.NewOutgoingContext(ctx, md)
}

// send returns the context a call is made with: ctx with the correlation
// ID, with WithTracing the trace context and baggage, and with
// WithDebugSample, when the propagator does not send baggage, the debug
// baggage member, in its outgoing metadata.
func (c *client) send(ctx context.Context) context.Context {
	if c.tel == nil {
		ctx = c.outgoing(ctx)
	} else {
		ctx = c.outgoingTraced(ctx)
	}
	if c.debug {
		ctx = outgoingDebug(ctx)
	}
	return ctx
}

// unary is the grpc.UnaryClientInterceptor.
func (c *client) unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if c.tel == nil || c.tel.noop {
		return invoker(c.send(ctx), method, req, reply, cc, opts...)
	}
	start := time.Now()
	ctx, span, m := c.tel.startClient(ctx, method, cc)
	err := invoker(c.send(ctx), method, req, reply, cc, opts...)
	c.tel.end(ctx, span, m, start, err, nil)
	return err
}

// stream is the grpc.StreamClientInterceptor.
func (c *client) stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	if c.tel == nil || c.tel.noop {
		return streamer(c.send(ctx), desc, cc, method, opts...)
	}
	start := time.Now()
	ctx, span, m := c.tel.startClient(ctx, method, cc)
	cs, err := streamer(c.send(ctx), desc, cc, method, opts...)
	if err != nil {
		c.tel.end(ctx, span, m, start, err, nil)
		return cs, err
	}
	return newClientStream(cs, desc, c.tel, ctx, span, m, start), nil
}
