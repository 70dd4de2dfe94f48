package grpcdiag_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/reprokit/reprokit/correlation"
)

// transportStream is a grpc.ServerTransportStream that records the header
// metadata set on it, for calling a unary server interceptor without a
// server. mu guards header.
type transportStream struct {
	err    error // returned by SetHeader and SendHeader when not nil
	mu     sync.Mutex
	header metadata.MD
}

var _ grpc.ServerTransportStream = (*transportStream)(nil)

func (s *transportStream) Method() string { return "/grpc.health.v1.Health/Check" }

func (s *transportStream) SetHeader(md metadata.MD) error {
	if s.err != nil {
		return s.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.header = metadata.Join(s.header, md)
	return nil
}

func (s *transportStream) SendHeader(md metadata.MD) error { return s.SetHeader(md) }

func (s *transportStream) SetTrailer(metadata.MD) error { return nil }

// Header returns a copy of the header set so far.
func (s *transportStream) Header() metadata.MD {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.header.Copy()
}

// serverStream is a grpc.ServerStream over a fabricated context that records
// the header metadata set on it, for calling a stream server interceptor
// without a server. mu guards header.
type serverStream struct {
	ctx    context.Context
	err    error // returned by SetHeader and SendHeader when not nil
	mu     sync.Mutex
	header metadata.MD
}

var _ grpc.ServerStream = (*serverStream)(nil)

func (s *serverStream) SetHeader(md metadata.MD) error {
	if s.err != nil {
		return s.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.header = metadata.Join(s.header, md)
	return nil
}

func (s *serverStream) SendHeader(md metadata.MD) error { return s.SetHeader(md) }
func (s *serverStream) SetTrailer(metadata.MD)          {}
func (s *serverStream) Context() context.Context        { return s.ctx }
func (s *serverStream) SendMsg(any) error               { return nil }
func (s *serverStream) RecvMsg(any) error               { return nil }

// Header returns a copy of the header set so far.
func (s *serverStream) Header() metadata.MD {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.header.Copy()
}

// direct is what a handler called through a server interceptor, without a
// server, saw and what the interceptor echoed.
type direct struct {
	ctx    context.Context // the handler's context
	id     string          // correlation.FromContext(ctx), "" if none
	header metadata.MD     // the response header set
	logs   []byte          // the handler's JSON log line
}

// callUnary calls interceptor with ctx, to which it adds a transportStream,
// and a handler that logs "handled" through the correlation log handler.
func callUnary(t *testing.T, interceptor grpc.UnaryServerInterceptor, ctx context.Context) direct {
	t.Helper()
	var d direct
	ts := new(transportStream)
	ctx = grpc.NewContextWithServerTransportStream(ctx, ts)
	logs := new(syncBuffer)
	log := handlerLogger(logs)
	info := &grpc.UnaryServerInfo{FullMethod: ts.Method()}
	resp, err := interceptor(ctx, "request", info, func(ctx context.Context, req any) (any, error) {
		require.Equal(t, "request", req)
		d.ctx = ctx
		log.InfoContext(ctx, "handled")
		return "response", nil
	})
	require.NoError(t, err)
	require.Equal(t, "response", resp)
	require.NotNil(t, d.ctx, "handler not called")
	d.id, _ = correlation.FromContext(d.ctx)
	d.header = ts.Header()
	d.logs = logs.Bytes()
	return d
}

// callStream calls interceptor with a serverStream over ctx and a handler
// that logs "handled" with the stream's context.
func callStream(t *testing.T, interceptor grpc.StreamServerInterceptor, ctx context.Context) direct {
	t.Helper()
	var d direct
	ss := &serverStream{ctx: ctx}
	logs := new(syncBuffer)
	log := handlerLogger(logs)
	info := &grpc.StreamServerInfo{FullMethod: "/grpc.health.v1.Health/Watch", IsServerStream: true}
	err := interceptor("service", ss, info, func(srv any, stream grpc.ServerStream) error {
		require.Equal(t, "service", srv)
		d.ctx = stream.Context()
		log.InfoContext(d.ctx, "handled")
		return stream.SendMsg("message")
	})
	require.NoError(t, err)
	require.NotNil(t, d.ctx, "handler not called")
	d.id, _ = correlation.FromContext(d.ctx)
	d.header = ss.Header()
	d.logs = logs.Bytes()
	return d
}
