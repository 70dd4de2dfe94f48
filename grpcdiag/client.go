package grpcdiag

import (
	"context"
	"log/slog"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/reprokit/reprokit/correlation"
)

// client is the per-call work of the client interceptors, built once per
// constructor call. It is safe for concurrent use.
type client struct {
	key string // metadata key of the ID, lower case
}

func newClient(cfg config) *client {
	header := correlation.NewResolver(cfg.correlation...).Header()
	key, ok := metadataKey(header)
	if !ok {
		cfg.log().Warn("grpcdiag: correlation header is not a valid gRPC metadata key; using the default",
			slog.String("header", header), slog.String("key", key))
	}
	return &client{key: key}
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

// unary is the grpc.UnaryClientInterceptor.
func (c *client) unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return invoker(c.outgoing(ctx), method, req, reply, cc, opts...)
}

// stream is the grpc.StreamClientInterceptor.
func (c *client) stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return streamer(c.outgoing(ctx), desc, cc, method, opts...)
}
