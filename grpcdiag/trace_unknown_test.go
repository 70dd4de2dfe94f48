package grpcdiag_test

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/reprokit/reprokit/grpcdiag"
)

// methodsIn returns the distinct rpc.service/rpc.method pairs of a
// histogram's data points.
func methodsIn(h metricdata.Histogram[float64]) map[string]bool {
	m := map[string]bool{}
	for _, dp := range h.DataPoints {
		s, _ := dp.Attributes.Value("rpc.service")
		meth, _ := dp.Attributes.Value("rpc.method")
		m[s.AsString()+"/"+meth.AsString()] = true
	}
	return m
}

// TestTracingUnknownServiceHandler shows the path by which a client
// chooses the method names a server records: with a
// grpc.UnknownServiceHandler, calls to methods no service registers reach
// the stream interceptor under the client's name.
func TestTracingUnknownServiceHandler(t *testing.T) {
	tel := newTelemetry(t)
	srv := grpc.NewServer(append(grpcdiag.ServerOptions(tel.option()),
		grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
			return status.Error(codes.Unimplemented, "proxy has no upstream")
		}))...)
	healthpb.RegisterHealthServer(srv, &healthServer{logger: handlerLogger(new(syncBuffer)), key: grpcdiag.DefaultMetadataKey})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-served
	})
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()

	for i := range 3 {
		err := conn.Invoke(context.Background(), fmt.Sprintf("/made.Up%d/Method", i), &healthpb.HealthCheckRequest{}, new(healthpb.HealthCheckResponse))
		require.Equal(t, codes.Unimplemented, status.Code(err))
	}
	// A known service's unknown method is refused before any interceptor
	// when there is no unknown handler; here it reaches it too.
	err = conn.Invoke(context.Background(), "/grpc.health.v1.Health/Nope", &healthpb.HealthCheckRequest{}, new(healthpb.HealthCheckResponse))
	require.Equal(t, codes.Unimplemented, status.Code(err))

	require.Len(t, tel.ended(), 4)
	for _, s := range tel.ended() {
		assert.Equal(t, trace.SpanKindServer, s.SpanKind())
		requireCleanSpan(t, s)
	}
	h, _ := tel.histogram(t, "rpc.server.duration")
	assert.Equal(t, map[string]bool{
		"made.Up0/Method": true, "made.Up1/Method": true, "made.Up2/Method": true,
		"grpc.health.v1.Health/Nope": true,
	}, methodsIn(h))
}

// TestTracingMethodSeriesBounded makes calls to more distinct method names
// than the interceptor keeps series for: past the cap they are recorded as
// "_OTHER", so the metric's series stay bounded, while spans keep the real
// name.
func TestTracingMethodSeriesBounded(t *testing.T) {
	const limit = 1024 // grpcdiag's maxMethods
	tel := newTelemetry(t)
	stream := grpcdiag.StreamServerInterceptor(tel.option())
	client := grpcdiag.UnaryClientInterceptor(tel.option())
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	const calls = limit + 500
	for i := range calls {
		method := fmt.Sprintf("/evil.Svc%d/M", i)
		err := stream(nil, &serverStream{ctx: context.Background()}, &grpc.StreamServerInfo{FullMethod: method},
			func(any, grpc.ServerStream) error { return nil })
		require.NoError(t, err)
		require.NoError(t, client(context.Background(), method, nil, nil, nil, invoker))
	}
	for _, name := range []string{"rpc.server.duration", "rpc.client.duration"} {
		h, _ := tel.histogram(t, name)
		methods := methodsIn(h)
		assert.Len(t, methods, limit+1, name)
		assert.True(t, methods["_OTHER/_OTHER"], name)
		assert.True(t, methods["evil.Svc0/M"], "the first methods keep their series")
		var total, other uint64
		for _, dp := range h.DataPoints {
			total += dp.Count
			if v, _ := dp.Attributes.Value("rpc.method"); v.AsString() == "_OTHER" {
				other += dp.Count
			}
		}
		assert.Equal(t, uint64(calls), total, name)
		assert.Equal(t, uint64(calls-limit), other, name)
	}
	spans := tel.ended()
	require.Len(t, spans, 2*calls)
	assert.Equal(t, fmt.Sprintf("evil.Svc%d/M", calls-1), spans[len(spans)-1].Name())
}
