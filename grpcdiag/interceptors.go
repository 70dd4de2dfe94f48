package grpcdiag

import "google.golang.org/grpc"

// UnaryServerInterceptor returns a server interceptor for unary calls that
// gives each call a correlation ID (see the package documentation), puts it
// in the handler's context and echoes it in the response header metadata.
// With [WithTracing], it also runs the handler in a server span, child of
// or linked to the caller's trace context as the trust policy says, and
// records rpc.server.duration. With [WithDebugSample], it then decides
// the call's debug mode, puts it in the handler's context and, for a
// buffered call, flushes or drops its debug records when the handler
// returns or panics.
//
// Each call of a constructor builds its own state: called separately,
// UnaryServerInterceptor and [StreamServerInterceptor] count into separate
// [correlation.Stats] unless both are given [correlation.WithStats], and
// with [WithDebugSample] have a debug rate cap each. [ServerOptions]
// builds one state for both.
func UnaryServerInterceptor(opts ...Option) grpc.UnaryServerInterceptor {
	return newServer(newConfig(opts)).unary
}

// StreamServerInterceptor returns a server interceptor for streaming calls
// that does what [UnaryServerInterceptor] does. The handler gets a stream
// whose Context carries the ID, and the span with [WithTracing]; the ID is
// set on the response header before the handler runs, so it is sent with
// the first message or the status.
func StreamServerInterceptor(opts ...Option) grpc.StreamServerInterceptor {
	return newServer(newConfig(opts)).stream
}

// UnaryClientInterceptor returns a client interceptor for unary calls that
// sends the correlation ID of the call's context, if it carries one, in the
// outgoing metadata. Metadata the caller set under the same key wins, and
// an ID holding bytes outside printable ASCII is not sent, since gRPC would
// fail the call. With [WithTracing], it also wraps the call in a client
// span, child of the context's span, sends its trace context and the
// context's baggage, and records rpc.client.duration. With
// [WithDebugSample] and without WithTracing, it sends the debug baggage
// member of the context, if any.
func UnaryClientInterceptor(opts ...Option) grpc.UnaryClientInterceptor {
	return newClient(newConfig(opts)).unary
}

// StreamClientInterceptor returns a client interceptor for streaming calls
// that does what [UnaryClientInterceptor] does. With [WithTracing], the
// span ends when the stream does: when RecvMsg returns an error (io.EOF
// for success), when a stream without streamed responses has received its
// response, when Header or SendMsg fail, or when the call's context ends.
func StreamClientInterceptor(opts ...Option) grpc.StreamClientInterceptor {
	return newClient(newConfig(opts)).stream
}

// ServerOptions returns the server options that install the unary and the
// stream server interceptors, sharing one state (and so one
// [correlation.Stats], and one set of metric series):
//
//	srv := grpc.NewServer(grpcdiag.ServerOptions()...)
//
// The interceptors are added with [grpc.ChainUnaryInterceptor] and
// [grpc.ChainStreamInterceptor], so they compose with the caller's own;
// those given later run inside them and see the ID and the span.
func ServerOptions(opts ...Option) []grpc.ServerOption {
	s := newServer(newConfig(opts))
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(s.unary),
		grpc.ChainStreamInterceptor(s.stream),
	}
}

// DialOptions returns the dial options that install the unary and the
// stream client interceptors, sharing one state:
//
//	conn, err := grpc.NewClient(addr, append(grpcdiag.DialOptions(),
//		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
//
// They are added with [grpc.WithChainUnaryInterceptor] and
// [grpc.WithChainStreamInterceptor], so they compose with the caller's own.
func DialOptions(opts ...Option) []grpc.DialOption {
	c := newClient(newConfig(opts))
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(c.unary),
		grpc.WithChainStreamInterceptor(c.stream),
	}
}
