package grpcdiag_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/baggage"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/reprokit/reprokit/grpcdiag"
)

// serverKinds call the unary or the stream server interceptor directly
// with a fabricated context and full method name, and return the
// handler's context. The handler returns err.
var serverKinds = []struct {
	name string
	call func(t *testing.T, opts []grpcdiag.Option, ctx context.Context, fullMethod string, err error) context.Context
}{
	{"unary", func(t *testing.T, opts []grpcdiag.Option, ctx context.Context, fullMethod string, err error) context.Context {
		var seen context.Context
		ctx = grpc.NewContextWithServerTransportStream(ctx, new(transportStream))
		_, got := grpcdiag.UnaryServerInterceptor(opts...)(ctx, nil, &grpc.UnaryServerInfo{FullMethod: fullMethod},
			func(ctx context.Context, _ any) (any, error) {
				seen = ctx
				return nil, err
			})
		require.Equal(t, err, got)
		require.NotNil(t, seen, "handler not called")
		return seen
	}},
	{"stream", func(t *testing.T, opts []grpcdiag.Option, ctx context.Context, fullMethod string, err error) context.Context {
		var seen context.Context
		got := grpcdiag.StreamServerInterceptor(opts...)(nil, &serverStream{ctx: ctx},
			&grpc.StreamServerInfo{FullMethod: fullMethod, IsClientStream: true, IsServerStream: true},
			func(_ any, ss grpc.ServerStream) error {
				seen = ss.Context()
				return err
			})
		require.Equal(t, err, got)
		require.NotNil(t, seen, "handler not called")
		return seen
	}},
}

const healthCheck = "/grpc.health.v1.Health/Check"

// TestTracingHostileTraceparent sends trace contexts that are not valid:
// the server span must be a root, with no link, and nothing may panic.
func TestTracingHostileTraceparent(t *testing.T) {
	many := make([]string, 500)
	for i := range many {
		many[i] = "garbage-" + fmt.Sprint(i)
	}
	tests := []struct {
		name   string
		values []string
	}{
		{"empty", []string{""}},
		{"garbage", []string{"not a traceparent"}},
		{"oversized", []string{callerParent + strings.Repeat("x", 500<<10)}},
		{"oversized field", []string{"00-" + strings.Repeat("a", 64<<10) + "-" + callerSpanID + "-01"}},
		{"all-zero trace ID", []string{"00-00000000000000000000000000000000-" + callerSpanID + "-01"}},
		{"all-zero span ID", []string{"00-" + callerTraceID + "-0000000000000000-01"}},
		{"version ff", []string{"ff-" + callerTraceID + "-" + callerSpanID + "-01"}},
		{"upper-case hex", []string{"00-" + strings.ToUpper(callerTraceID) + "-" + callerSpanID + "-01"}},
		{"invalid UTF-8", []string{"00-\xff\xfe" + callerTraceID[2:] + "-" + callerSpanID + "-01"}},
		{"CR LF", []string{callerParent + "\r\nx-injected: 1"}},
		{"NUL", []string{"00-" + callerTraceID + "-" + callerSpanID + "-0\x00"}},
		{"many values, first invalid", append(many, callerParent)},
	}
	for _, tt := range tests {
		for _, k := range serverKinds {
			t.Run(tt.name+"/"+k.name, func(t *testing.T) {
				tel := newTelemetry(t)
				ctx := metadata.NewIncomingContext(context.Background(), metadata.MD{
					"traceparent": tt.values,
					"tracestate":  {strings.Repeat("k=v,", 10000)},
				})
				seen := k.call(t, []grpcdiag.Option{tel.option()}, ctx, healthCheck, nil)
				s := tel.span(t, trace.SpanKindServer)
				requireCleanSpan(t, s)
				assert.False(t, s.Parent().IsValid(), "no parent from an invalid traceparent")
				assert.Empty(t, s.Links())
				assert.NotEqual(t, callerTraceID, s.SpanContext().TraceID().String())
				assert.Equal(t, s.SpanContext(), trace.SpanContextFromContext(seen))
			})
		}
	}
}

// TestTracingHostileBaggage sends baggage past the W3C limits or
// malformed: nothing may panic, and what reaches the handler is bounded.
func TestTracingHostileBaggage(t *testing.T) {
	members := make([]string, 2000)
	for i := range members {
		members[i] = fmt.Sprintf("k%d=v%d", i, i)
	}
	headers := make([]string, 300)
	for i := range headers {
		headers[i] = fmt.Sprintf("h%d=v", i)
	}
	tests := []struct {
		name   string
		values []string
	}{
		{"many members", []string{strings.Join(members, ",")}},
		{"many headers", headers},
		{"oversized value", []string{"k=" + strings.Repeat("v", 500<<10)}},
		{"oversized key", []string{strings.Repeat("k", 500<<10) + "=v"}},
		{"invalid UTF-8", []string{"k=\xff\xfe"}},
		{"control characters", []string{"k=a\r\nb\x00"}},
		{"malformed", []string{"=,;;==,%zz"}},
	}
	for _, tt := range tests {
		for _, k := range serverKinds {
			t.Run(tt.name+"/"+k.name, func(t *testing.T) {
				tel := newTelemetry(t)
				ctx := metadata.NewIncomingContext(context.Background(), metadata.MD{
					"traceparent": {callerParent},
					"baggage":     tt.values,
				})
				seen := k.call(t, []grpcdiag.Option{tel.option()}, ctx, healthCheck, nil)
				s := tel.span(t, trace.SpanKindServer)
				requireCleanSpan(t, s)
				assert.Equal(t, callerTraceID, s.SpanContext().TraceID().String(), "the valid traceparent is still the parent")
				bag := baggage.FromContext(seen)
				assert.LessOrEqual(t, bag.Len(), 64)
				assert.LessOrEqual(t, len(bag.String()), 8192)
			})
		}
	}
}

// TestTracingHostileMethodNames calls the server interceptors with method
// names no registered service has, as a grpc.UnknownServiceHandler lets
// through, and checks that spans stay clean and that malformed names get
// no metric series of their own.
func TestTracingHostileMethodNames(t *testing.T) {
	tests := []struct {
		name        string
		fullMethod  string
		span        string // the span name, "" to only check it is clean
		metricValue string // rpc.method in the metrics
	}{
		{"invalid UTF-8 and NUL", "/\xff.Svc/M\x00", "\uFFFD.Svc/M\x00", "_OTHER"},
		{"empty", "", "grpc", "_OTHER"},
		{"slash", "/", "grpc", "_OTHER"},
		{"two slashes", "//", "/", "_OTHER"},
		{"no slash", "noslash", "noslash", "_OTHER"},
		{"no method", "/pkg.Svc/", "pkg.Svc/", "_OTHER"},
		{"no service", "//M", "/M", "_OTHER"},
		{"no leading slash", "pkg.Svc/M", "pkg.Svc/M", "_OTHER"},
		{"nested", "/a/b/C", "a/b/C", "C"},
		{"space", "/pkg.Svc/M N", "pkg.Svc/M N", "_OTHER"},
		{"U+202E", "/pkg.Svc/M\u202e", "pkg.Svc/M\u202e", "_OTHER"},
		{"huge", "/" + strings.Repeat("S", 500<<10) + "/" + strings.Repeat("M", 500<<10), "", "_OTHER"},
		{"huge invalid UTF-8", "/" + strings.Repeat("\xff", 500<<10) + "/M", "", "_OTHER"},
		{"huge with a rune at the cut", "/" + strings.Repeat("é", 300) + "/M", "", "_OTHER"},
	}
	for _, tt := range tests {
		for _, k := range serverKinds {
			t.Run(tt.name+"/"+k.name, func(t *testing.T) {
				tel := newTelemetry(t)
				k.call(t, []grpcdiag.Option{tel.option()}, context.Background(), tt.fullMethod, nil)
				s := tel.span(t, trace.SpanKindServer)
				requireCleanSpan(t, s)
				if tt.span != "" {
					assert.Equal(t, tt.span, s.Name())
				}
				h, _ := tel.histogram(t, "rpc.server.duration")
				require.Len(t, h.DataPoints, 1)
				v, _ := h.DataPoints[0].Attributes.Value("rpc.method")
				assert.Equal(t, tt.metricValue, v.AsString())
				assert.Equal(t, boundedKeys, keys(h.DataPoints[0].Attributes))
			})
		}
	}
}

// TestTracingHostileStatus has the handler fail with a message that is not
// valid UTF-8 and huge: the span's status description is cleaned.
func TestTracingHostileStatus(t *testing.T) {
	for _, k := range serverKinds {
		t.Run(k.name, func(t *testing.T) {
			tel := newTelemetry(t)
			err := status.Error(codes.Internal, "\xff"+strings.Repeat("é", 100<<10))
			k.call(t, []grpcdiag.Option{tel.option()}, context.Background(), healthCheck, err)
			s := tel.span(t, trace.SpanKindServer)
			requireCleanSpan(t, s)
			assert.Equal(t, otelcodes.Error, s.Status().Code)
			assert.True(t, strings.HasPrefix(s.Status().Description, "\uFFFDé"))
		})
	}
}

// TestTracingClientOutOfRangeCode has the server answer with a status code
// gRPC does not define, as a hostile server can: the span holds it, the
// metric counts it as Unknown so series stay bounded.
func TestTracingClientOutOfRangeCode(t *testing.T) {
	tel := newTelemetry(t)
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error {
		return status.Error(codes.Code(999), "odd")
	}
	err := grpcdiag.UnaryClientInterceptor(tel.option())(context.Background(), healthCheck, nil, nil, nil, invoker)
	require.Equal(t, codes.Code(999), status.Code(err))
	s := tel.span(t, trace.SpanKindClient)
	assert.Equal(t, int64(999), attrs(s.Attributes())["rpc.grpc.status_code"].AsInt64())
	assert.Equal(t, otelcodes.Error, s.Status().Code)
	h, _ := tel.histogram(t, "rpc.client.duration")
	require.Len(t, h.DataPoints, 1)
	v, _ := h.DataPoints[0].Attributes.Value("rpc.grpc.status_code")
	assert.Equal(t, int64(codes.Unknown), v.AsInt64())
}

// TestTracingPanic checks that a handler's panic is recorded on the server
// span as an exception event, the span ended as an error and the duration
// recorded, and that the panic continues with its own value.
func TestTracingPanic(t *testing.T) {
	type boom struct{ msg string }
	calls := []struct {
		name string
		run  func(opts ...grpcdiag.Option)
	}{
		{"unary", func(opts ...grpcdiag.Option) {
			ctx := grpc.NewContextWithServerTransportStream(context.Background(), new(transportStream))
			_, _ = grpcdiag.UnaryServerInterceptor(opts...)(ctx, nil, &grpc.UnaryServerInfo{FullMethod: healthCheck},
				func(context.Context, any) (any, error) { panic(boom{"kaboom \xff"}) })
		}},
		{"stream", func(opts ...grpcdiag.Option) {
			_ = grpcdiag.StreamServerInterceptor(opts...)(nil, &serverStream{ctx: context.Background()},
				&grpc.StreamServerInfo{FullMethod: "/grpc.health.v1.Health/Watch"},
				func(any, grpc.ServerStream) error { panic(boom{"kaboom \xff"}) })
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			tel := newTelemetry(t)
			var recovered any
			func() {
				defer func() { recovered = recover() }()
				c.run(tel.option())
			}()
			require.Equal(t, boom{"kaboom \xff"}, recovered, "the panic continues with its value")

			s := tel.span(t, trace.SpanKindServer)
			requireCleanSpan(t, s)
			assert.Equal(t, otelcodes.Error, s.Status().Code)
			assert.Equal(t, "panic", s.Status().Description)
			assert.Equal(t, int64(codes.Unknown), attrs(s.Attributes())["rpc.grpc.status_code"].AsInt64())
			require.Len(t, s.Events(), 1)
			ev := s.Events()[0]
			assert.Equal(t, "exception", ev.Name)
			ea := attrs(ev.Attributes)
			assert.Equal(t, "grpcdiag_test.boom", ea["exception.type"].AsString())
			assert.Equal(t, "{kaboom \uFFFD}", ea["exception.message"].AsString())
			assert.Contains(t, ea["exception.stacktrace"].AsString(), "TestTracingPanic")

			h, _ := tel.histogram(t, "rpc.server.duration")
			require.Len(t, h.DataPoints, 1)
			assert.Equal(t, uint64(1), h.DataPoints[0].Count)
		})
	}
}
