package grpcdiag_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/baggage"
	otelcodes "go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/grpcdiag"
	"github.com/reprokit/reprokit/tracing"
)

// traceparentOf returns the traceparent that sc propagates as.
func traceparentOf(sc trace.SpanContext) string {
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(context.Background(), sc), c)
	return c["traceparent"]
}

// TestTracingClientMetadata calls the traced client interceptors without a
// connection and checks the outgoing metadata: the client span's trace
// context, the baggage and the correlation ID, in one step, the caller's
// metadata untouched.
func TestTracingClientMetadata(t *testing.T) {
	const key = grpcdiag.DefaultMetadataKey
	bag := must(baggage.New(must(baggage.NewMember("tenant", "acme"))))
	base := baggage.ContextWithBaggage(correlation.NewContext(context.Background(), "abc-123"), bag)
	tests := []struct {
		name   string
		md     metadata.MD // the caller's outgoing metadata, nil for none
		wantID []string
	}{
		{"no metadata", nil, []string{"abc-123"}},
		{"other metadata", metadata.Pairs("other", "1"), []string{"abc-123"}},
		{"caller's ID wins", metadata.Pairs(key, "mine"), []string{"mine"}},
		{"caller's traceparent replaced", metadata.Pairs("traceparent", callerParent, "baggage", "x=y", "other", "1"), []string{"abc-123"}},
		{"caller's traceparent replaced, caller's ID wins", metadata.Pairs("traceparent", callerParent, key, "mine"), []string{"mine"}},
	}
	for _, tt := range tests {
		for _, kind := range []string{"unary", "stream"} {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				tel := newTelemetry(t)
				ctx := base
				var before metadata.MD
				if tt.md != nil {
					before = tt.md.Copy()
					ctx = metadata.NewOutgoingContext(ctx, tt.md)
				}
				var sent metadata.MD
				if kind == "unary" {
					invoker := func(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
						sent, _ = metadata.FromOutgoingContext(ctx)
						return nil
					}
					require.NoError(t, grpcdiag.UnaryClientInterceptor(tel.option())(ctx, healthCheck, nil, nil, nil, invoker))
				} else {
					streamer := func(ctx context.Context, _ *grpc.StreamDesc, _ *grpc.ClientConn, _ string, _ ...grpc.CallOption) (grpc.ClientStream, error) {
						sent, _ = metadata.FromOutgoingContext(ctx)
						return &fakeClientStream{ctx: ctx, recv: []error{io.EOF}}, nil
					}
					cs, err := grpcdiag.StreamClientInterceptor(tel.option())(ctx, &grpc.StreamDesc{ServerStreams: true}, nil, healthCheck, streamer)
					require.NoError(t, err)
					require.ErrorIs(t, cs.RecvMsg(nil), io.EOF)
				}
				s := tel.span(t, trace.SpanKindClient)
				assert.Equal(t, []string{traceparentOf(s.SpanContext())}, sent.Get("traceparent"))
				assert.Equal(t, []string{"tenant=acme"}, sent.Get("baggage"))
				assert.Equal(t, tt.wantID, sent.Get(key))
				if tt.md != nil {
					assert.Equal(t, before, tt.md, "the caller's metadata is not modified")
					assert.Equal(t, before["other"], sent["other"])
					after, _ := metadata.FromOutgoingContext(ctx)
					assert.Equal(t, before, after)
				}
			})
		}
	}
}

// TestTracingClientNoop checks that with no-op providers the client makes
// no span but still sends the trace context of its context, so a service
// that does not record still passes its caller's trace on.
func TestTracingClientNoop(t *testing.T) {
	opt := grpcdiag.WithTracing(tracing.WithTracerProvider(tracenoop.NewTracerProvider()),
		tracing.WithMeterProvider(metricnoop.NewMeterProvider()))
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    must(trace.TraceIDFromHex(callerTraceID)),
		SpanID:     must(trace.SpanIDFromHex(callerSpanID)),
		TraceFlags: trace.FlagsSampled,
		Remote:     true,
	})
	ctx := trace.ContextWithRemoteSpanContext(correlation.NewContext(context.Background(), "abc"), sc)
	var sent metadata.MD
	invoker := func(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
		sent, _ = metadata.FromOutgoingContext(ctx)
		return nil
	}
	require.NoError(t, grpcdiag.UnaryClientInterceptor(opt)(ctx, healthCheck, nil, nil, nil, invoker))
	assert.Equal(t, []string{callerParent}, sent.Get("traceparent"))
	assert.Equal(t, []string{"abc"}, sent.Get(grpcdiag.DefaultMetadataKey))

	// And the server only passes the trusted caller's context on.
	d := callUnary(t, grpcdiag.UnaryServerInterceptor(opt), callerContext(tcpAddr("192.0.2.1:1")))
	assert.Equal(t, callerTraceID, trace.SpanContextFromContext(d.ctx).TraceID().String())
	d = callUnary(t, grpcdiag.UnaryServerInterceptor(opt, grpcdiag.WithTracing(tracing.WithPublicEndpoint())), callerContext(tcpAddr("192.0.2.1:1")))
	assert.False(t, trace.SpanContextFromContext(d.ctx).IsValid())
}

// TestTracingClientUnsendable checks that a correlation ID gRPC cannot
// carry is not sent while the trace context still is.
func TestTracingClientUnsendable(t *testing.T) {
	tel := newTelemetry(t)
	var sent metadata.MD
	invoker := func(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
		sent, _ = metadata.FromOutgoingContext(ctx)
		return nil
	}
	ctx := correlation.NewContext(context.Background(), "evil\r\nid\xff")
	require.NoError(t, grpcdiag.UnaryClientInterceptor(tel.option())(ctx, healthCheck, nil, nil, nil, invoker))
	assert.Empty(t, sent.Get(grpcdiag.DefaultMetadataKey))
	assert.Len(t, sent.Get("traceparent"), 1)
	s := tel.span(t, trace.SpanKindClient)
	requireCleanSpan(t, s)
}

// fakeClientStream is a grpc.ClientStream whose RecvMsg returns the errors
// of recv in turn (nil when they run out), and whose Header and SendMsg
// return the given errors.
type fakeClientStream struct {
	ctx       context.Context
	recv      []error
	headerErr error
	sendErr   error
}

func (s *fakeClientStream) Header() (metadata.MD, error) { return nil, s.headerErr }
func (s *fakeClientStream) Trailer() metadata.MD         { return nil }
func (s *fakeClientStream) CloseSend() error             { return nil }
func (s *fakeClientStream) Context() context.Context     { return s.ctx }
func (s *fakeClientStream) SendMsg(any) error            { return s.sendErr }
func (s *fakeClientStream) RecvMsg(any) error {
	if len(s.recv) == 0 {
		return nil
	}
	err := s.recv[0]
	s.recv = s.recv[1:]
	return err
}

// TestTracingClientStreamEnd checks when a client stream's span ends, and
// with what status.
func TestTracingClientStreamEnd(t *testing.T) {
	unavailable := status.Error(codes.Unavailable, "gone")
	tests := []struct {
		name    string
		desc    grpc.StreamDesc
		stream  *fakeClientStream
		use     func(grpc.ClientStream)
		ended   bool
		code    codes.Code
		isError bool
	}{
		{"server stream open", grpc.StreamDesc{ServerStreams: true}, &fakeClientStream{},
			func(cs grpc.ClientStream) { _ = cs.RecvMsg(nil) }, false, 0, false},
		{"server stream read to EOF", grpc.StreamDesc{ServerStreams: true}, &fakeClientStream{recv: []error{nil, nil, io.EOF}},
			func(cs grpc.ClientStream) {
				for cs.RecvMsg(nil) == nil {
				}
			}, true, codes.OK, false},
		{"server stream fails", grpc.StreamDesc{ServerStreams: true}, &fakeClientStream{recv: []error{nil, unavailable}},
			func(cs grpc.ClientStream) {
				for cs.RecvMsg(nil) == nil {
				}
			}, true, codes.Unavailable, true},
		{"client stream's one response", grpc.StreamDesc{ClientStreams: true}, &fakeClientStream{},
			func(cs grpc.ClientStream) {
				_ = cs.SendMsg(nil)
				_ = cs.CloseSend()
				_ = cs.RecvMsg(nil)
			}, true, codes.OK, false},
		{"SendMsg io.EOF waits for RecvMsg", grpc.StreamDesc{ClientStreams: true}, &fakeClientStream{sendErr: io.EOF},
			func(cs grpc.ClientStream) { _ = cs.SendMsg(nil) }, false, 0, false},
		{"SendMsg fails", grpc.StreamDesc{ClientStreams: true}, &fakeClientStream{sendErr: unavailable},
			func(cs grpc.ClientStream) { _ = cs.SendMsg(nil) }, true, codes.Unavailable, true},
		{"Header fails", grpc.StreamDesc{ServerStreams: true}, &fakeClientStream{headerErr: unavailable},
			func(cs grpc.ClientStream) { _, _ = cs.Header() }, true, codes.Unavailable, true},
		{"ended twice", grpc.StreamDesc{ServerStreams: true}, &fakeClientStream{recv: []error{io.EOF, unavailable}},
			func(cs grpc.ClientStream) {
				_ = cs.RecvMsg(nil)
				_ = cs.RecvMsg(nil)
			}, true, codes.OK, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := newTelemetry(t)
			streamer := func(ctx context.Context, _ *grpc.StreamDesc, _ *grpc.ClientConn, _ string, _ ...grpc.CallOption) (grpc.ClientStream, error) {
				tt.stream.ctx = ctx
				return tt.stream, nil
			}
			cs, err := grpcdiag.StreamClientInterceptor(tel.option())(context.Background(), &tt.desc, nil, healthCheck, streamer)
			require.NoError(t, err)
			tt.use(cs)
			if !tt.ended {
				assert.Empty(t, tel.ended())
				return
			}
			s := tel.span(t, trace.SpanKindClient)
			assert.Equal(t, int64(tt.code), attrs(s.Attributes())["rpc.grpc.status_code"].AsInt64())
			assert.Equal(t, tt.isError, s.Status().Code == otelcodes.Error)
			h, _ := tel.histogram(t, "rpc.client.duration")
			require.Len(t, h.DataPoints, 1)
			assert.Equal(t, uint64(1), h.DataPoints[0].Count)
		})
	}

	t.Run("streamer fails", func(t *testing.T) {
		tel := newTelemetry(t)
		streamer := func(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, ...grpc.CallOption) (grpc.ClientStream, error) {
			return nil, unavailable
		}
		_, err := grpcdiag.StreamClientInterceptor(tel.option())(context.Background(), &grpc.StreamDesc{}, nil, healthCheck, streamer)
		require.ErrorIs(t, err, unavailable)
		s := tel.span(t, trace.SpanKindClient)
		assert.Equal(t, int64(codes.Unavailable), attrs(s.Attributes())["rpc.grpc.status_code"].AsInt64())
	})
}

// TestTracingClientStreamCanceled cancels a real stream half read: the
// client span ends, as Canceled, without the caller reading on.
func TestTracingClientStreamCanceled(t *testing.T) {
	for _, cause := range []struct {
		name string
		code codes.Code
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"canceled", codes.Canceled, func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }},
		{"deadline", codes.DeadlineExceeded, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			return ctx, func() { <-ctx.Done(); cancel() }
		}},
	} {
		t.Run(cause.name, func(t *testing.T) {
			tel := newTelemetry(t)
			e := newEnv(t, envConfig{client: []grpcdiag.Option{tel.option()}})
			ctx, cancel := cause.ctx()
			defer cancel()
			stream, err := e.health.Watch(ctx, &healthpb.HealthCheckRequest{})
			require.NoError(t, err)
			_, err = stream.Recv()
			require.NoError(t, err)
			cancel()
			spans := tel.waitEnded(t, 1)
			require.Len(t, spans, 1)
			s := spans[0]
			assert.Equal(t, int64(cause.code), attrs(s.Attributes())["rpc.grpc.status_code"].AsInt64())
			assert.Equal(t, otelcodes.Error, s.Status().Code)
			for {
				if _, err := stream.Recv(); err != nil {
					break
				}
			}
			assert.Len(t, tel.ended(), 1, "ended once")
			assert.Equal(t, int64(cause.code), attrs(tel.ended()[0].Attributes())["rpc.grpc.status_code"].AsInt64())
		})
	}
}
