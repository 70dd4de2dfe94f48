package grpcdiag_test

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/grpcdiag"
	"github.com/reprokit/reprokit/tracing"
)

// tracedCalls are the calls of the tracing round trips: the method each
// makes, and how to make it for a service name.
var tracedCalls = []struct {
	kind   string
	method string
	do     func(*env, context.Context, string) callResult
}{
	{"unary", "Check", (*env).checkService},
	{"stream", "Watch", (*env).watchService},
}

// TestTracingRoundTrip makes a unary and a server-streaming call through a
// real server, both sides traced into one SDK, and checks the two spans,
// their parent chain and attributes, what the handler saw, and the metrics.
func TestTracingRoundTrip(t *testing.T) {
	for _, c := range tracedCalls {
		t.Run(c.kind, func(t *testing.T) {
			tel := newTelemetry(t)
			e := newEnv(t, envConfig{server: []grpcdiag.Option{tel.option()}, client: []grpcdiag.Option{tel.option()}})
			const id = "trace-round-trip-1"
			r := c.do(e, correlation.NewContext(context.Background(), id), "")
			require.NoError(t, r.err)
			assert.Equal(t, id, r.echoed(grpcdiag.DefaultMetadataKey))

			require.Len(t, tel.ended(), 2)
			cs := tel.span(t, trace.SpanKindClient)
			ss := tel.span(t, trace.SpanKindServer)
			name := "grpc.health.v1.Health/" + c.method
			assert.Equal(t, name, cs.Name())
			assert.Equal(t, name, ss.Name())

			// One trace: client span → server span.
			assert.False(t, cs.Parent().IsValid(), "the client span is a root")
			assert.Equal(t, cs.SpanContext().TraceID(), ss.SpanContext().TraceID())
			assert.Equal(t, cs.SpanContext().SpanID(), ss.Parent().SpanID())
			assert.True(t, ss.Parent().IsRemote())
			assert.Empty(t, ss.Links())

			// The handler's context holds the server span and the ID.
			assert.Equal(t, ss.SpanContext().TraceID().String(), r.seen(trailerTraceID))
			assert.Equal(t, ss.SpanContext().SpanID().String(), r.seen(trailerSpanID))
			assert.Equal(t, id, r.seenID())

			host, port, err := net.SplitHostPort(e.addr)
			require.NoError(t, err)
			wantPort, err := strconv.Atoi(port)
			require.NoError(t, err)
			ca := attrs(cs.Attributes())
			assert.Equal(t, "grpc", ca["rpc.system"].AsString())
			assert.Equal(t, "grpc.health.v1.Health", ca["rpc.service"].AsString())
			assert.Equal(t, c.method, ca["rpc.method"].AsString())
			assert.Equal(t, attribute.INT64, ca["rpc.grpc.status_code"].Type())
			assert.Equal(t, int64(0), ca["rpc.grpc.status_code"].AsInt64())
			assert.Equal(t, host, ca["server.address"].AsString())
			assert.Equal(t, int64(wantPort), ca["server.port"].AsInt64())
			assert.Equal(t, id, ca[tracing.CorrelationIDKey].AsString())

			sa := attrs(ss.Attributes())
			assert.Equal(t, "grpc", sa["rpc.system"].AsString())
			assert.Equal(t, "grpc.health.v1.Health", sa["rpc.service"].AsString())
			assert.Equal(t, c.method, sa["rpc.method"].AsString())
			assert.Equal(t, int64(0), sa["rpc.grpc.status_code"].AsInt64())
			assert.Equal(t, "127.0.0.1", sa["network.peer.address"].AsString())
			assert.Positive(t, sa["network.peer.port"].AsInt64())
			assert.Equal(t, id, sa[tracing.CorrelationIDKey].AsString())
			assert.NotContains(t, sa, attribute.Key("server.address"))

			for _, s := range []struct{ span, metric string }{{"server", "rpc.server.duration"}, {"client", "rpc.client.duration"}} {
				h, unit := tel.histogram(t, s.metric)
				assert.Equal(t, "ms", unit, s.metric)
				require.Len(t, h.DataPoints, 1, s.metric)
				dp := h.DataPoints[0]
				assert.Equal(t, uint64(1), dp.Count)
				assert.Equal(t, boundedKeys, keys(dp.Attributes), s.metric)
				v, _ := dp.Attributes.Value("rpc.method")
				assert.Equal(t, c.method, v.AsString())
			}
		})
	}
}

// TestTracingParentFromContext checks that the client span is the child of
// the span in the caller's context, so a service's incoming and outgoing
// calls make one trace.
func TestTracingParentFromContext(t *testing.T) {
	tel := newTelemetry(t)
	e := newEnv(t, envConfig{server: []grpcdiag.Option{tel.option()}, client: []grpcdiag.Option{tel.option()}})
	ctx, parent := tel.tp.Tracer("test").Start(context.Background(), "incoming")
	require.NoError(t, e.check(ctx).err)
	parent.End()
	cs := tel.span(t, trace.SpanKindClient)
	ss := tel.span(t, trace.SpanKindServer)
	assert.Equal(t, parent.SpanContext().SpanID(), cs.Parent().SpanID())
	assert.Equal(t, parent.SpanContext().TraceID(), ss.SpanContext().TraceID())
}

// TestTracingStatusCodes checks the status of the spans and metrics of a
// call the server fails: on the server only the codes the conventions list
// for servers are errors; on the client every code but OK is.
func TestTracingStatusCodes(t *testing.T) {
	tests := []struct {
		service     string
		code        codes.Code
		serverError bool
	}{
		{"", codes.OK, false},
		{serviceInternal, codes.Internal, true},
		{serviceNotFound, codes.NotFound, false},
	}
	for _, c := range tracedCalls {
		for _, tt := range tests {
			t.Run(c.kind+"/"+tt.code.String(), func(t *testing.T) {
				tel := newTelemetry(t)
				e := newEnv(t, envConfig{server: []grpcdiag.Option{tel.option()}, client: []grpcdiag.Option{tel.option()}})
				r := c.do(e, context.Background(), tt.service)
				require.Equal(t, tt.code, status.Code(r.err), "%v", r.err)

				cs := tel.span(t, trace.SpanKindClient)
				ss := tel.span(t, trace.SpanKindServer)
				assert.Equal(t, int64(tt.code), attrs(cs.Attributes())["rpc.grpc.status_code"].AsInt64())
				assert.Equal(t, int64(tt.code), attrs(ss.Attributes())["rpc.grpc.status_code"].AsInt64())
				if tt.code == codes.OK {
					assert.Equal(t, otelcodes.Unset, cs.Status().Code)
				} else {
					assert.Equal(t, otelcodes.Error, cs.Status().Code)
					assert.Equal(t, status.Convert(r.err).Message(), cs.Status().Description)
				}
				if tt.serverError {
					assert.Equal(t, otelcodes.Error, ss.Status().Code)
					assert.Equal(t, "internal failure", ss.Status().Description)
				} else {
					assert.Equal(t, otelcodes.Unset, ss.Status().Code)
					assert.Empty(t, ss.Status().Description)
				}

				for _, name := range []string{"rpc.server.duration", "rpc.client.duration"} {
					h, _ := tel.histogram(t, name)
					require.Len(t, h.DataPoints, 1, name)
					v, _ := h.DataPoints[0].Attributes.Value("rpc.grpc.status_code")
					assert.Equal(t, int64(tt.code), v.AsInt64(), name)
					assert.Equal(t, boundedKeys, keys(h.DataPoints[0].Attributes), name)
				}
			})
		}
	}
}

// TestTracingOff checks that without WithTracing nothing is traced or
// propagated, even with a global provider and a span in the context.
func TestTracingOff(t *testing.T) {
	tel := newTelemetry(t)
	e := newEnv(t, envConfig{})
	ctx, span := tel.tp.Tracer("test").Start(context.Background(), "caller")
	r := e.check(ctx)
	span.End()
	require.NoError(t, r.err)
	assert.Empty(t, r.seen(trailerTraceID), "no trace context reaches the handler")
	assert.Len(t, tel.ended(), 1, "only the caller's own span")
}

// TestTracingOptionsCombine checks that the options of several WithTracing
// apply in order, and that nil ones are ignored.
func TestTracingOptionsCombine(t *testing.T) {
	tel := newTelemetry(t)
	opts := []grpcdiag.Option{
		grpcdiag.WithTracing(tracing.WithTracerProvider(tel.tp)),
		grpcdiag.WithTracing(nil, tracing.WithMeterProvider(tel.mp)),
		grpcdiag.WithTracing(),
	}
	callUnary(t, grpcdiag.UnaryServerInterceptor(opts...), context.Background())
	tel.span(t, trace.SpanKindServer)
	h, _ := tel.histogram(t, "rpc.server.duration")
	require.Len(t, h.DataPoints, 1)
}
