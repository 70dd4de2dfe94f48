package grpcdiag_test

import (
	"context"
	"math"
	"net"
	"net/netip"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/grpcdiag"
	"github.com/reprokit/reprokit/tracing"
)

func noopUnary(context.Context, any) (any, error) { return nil, nil }

// BenchmarkUnaryServerInterceptor measures the interceptor alone, without
// a server: a bare handler call, then through the interceptor with a valid
// incoming ID and with none.
func BenchmarkUnaryServerInterceptor(b *testing.B) {
	ts := new(discardStream)
	base := grpc.NewContextWithServerTransportStream(context.Background(), ts)
	info := &grpc.UnaryServerInfo{FullMethod: "/grpc.health.v1.Health/Check"}
	unary := grpcdiag.UnaryServerInterceptor()

	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = noopUnary(base, nil)
		}
	})
	b.Run("valid ID", func(b *testing.B) {
		ctx := metadata.NewIncomingContext(base, metadata.Pairs(grpcdiag.DefaultMetadataKey, "0192f0c1-aaaa-7bbb-8ccc-dddddddddddd"))
		b.ReportAllocs()
		for b.Loop() {
			_, _ = unary(ctx, nil, info, noopUnary)
		}
	})
	b.Run("no ID", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = unary(base, nil, info, noopUnary)
		}
	})
}

// BenchmarkUnaryServer measures the unary server interceptor, called
// directly with a fake transport stream, on a call that brings a valid
// correlation ID and a sampled traceparent from a peer: a bare handler
// call, correlation alone, and correlation with tracing on no-op providers
// (propagation only) and on the SDK (always sampling, into an exporter
// that discards, and a manual metric reader), and debug sampling off (the
// decision alone) and buffered (every call).
func BenchmarkUnaryServer(b *testing.B) {
	ctx := grpc.NewContextWithServerTransportStream(context.Background(), new(discardStream))
	ctx = peer.NewContext(ctx, &peer.Peer{Addr: net.TCPAddrFromAddrPort(netip.MustParseAddrPort("192.0.2.1:5000"))})
	ctx = metadata.NewIncomingContext(ctx, metadata.Pairs(
		grpcdiag.DefaultMetadataKey, "0192f0c1-aaaa-7bbb-8ccc-dddddddddddd",
		"traceparent", callerParent,
		"user-agent", "grpc-go/1.84.0",
		"content-type", "application/grpc",
	))
	info := &grpc.UnaryServerInfo{FullMethod: "/grpc.health.v1.Health/Check"}

	sdk := func(b *testing.B) grpcdiag.Option {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
			sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter())))
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		b.Cleanup(func() {
			_ = tp.Shutdown(context.Background())
			_ = mp.Shutdown(context.Background())
		})
		return grpcdiag.WithTracing(tracing.WithTracerProvider(tp), tracing.WithMeterProvider(mp))
	}
	cases := []struct {
		name  string
		unary func(*testing.B) grpc.UnaryServerInterceptor // nil: the handler alone
	}{
		{"bare", nil},
		{"correlation", func(*testing.B) grpc.UnaryServerInterceptor { return grpcdiag.UnaryServerInterceptor() }},
		{"correlation+tracing_noop", func(*testing.B) grpc.UnaryServerInterceptor {
			return grpcdiag.UnaryServerInterceptor(grpcdiag.WithTracing(
				tracing.WithTracerProvider(tracenoop.NewTracerProvider()),
				tracing.WithMeterProvider(metricnoop.NewMeterProvider())))
		}},
		{"correlation+tracing_sdk", func(b *testing.B) grpc.UnaryServerInterceptor {
			return grpcdiag.UnaryServerInterceptor(sdk(b))
		}},
		{"correlation+debug_off", func(*testing.B) grpc.UnaryServerInterceptor {
			return grpcdiag.UnaryServerInterceptor(grpcdiag.WithDebugSample())
		}},
		{"correlation+debug_buffered", func(*testing.B) grpc.UnaryServerInterceptor {
			return grpcdiag.UnaryServerInterceptor(grpcdiag.WithDebugSample(debugsample.WithPolicy(
				debugsample.Policy{BufferedRate: 1, MaxPerSecond: math.Inf(1)})))
		}},
		{"correlation+tracing_sdk+debug_off", func(b *testing.B) grpc.UnaryServerInterceptor {
			return grpcdiag.UnaryServerInterceptor(sdk(b), grpcdiag.WithDebugSample())
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if c.unary == nil {
				b.ReportAllocs()
				for b.Loop() {
					_, _ = noopUnary(ctx, nil)
				}
				return
			}
			unary := c.unary(b)
			b.ReportAllocs()
			for b.Loop() {
				_, _ = unary(ctx, nil, info, noopUnary)
			}
		})
	}
}

// discardStream is a grpc.ServerTransportStream that drops what is set on
// it, so that benchmarks measure the interceptor only.
type discardStream struct{}

func (discardStream) Method() string               { return "/grpc.health.v1.Health/Check" }
func (discardStream) SetHeader(metadata.MD) error  { return nil }
func (discardStream) SendHeader(metadata.MD) error { return nil }
func (discardStream) SetTrailer(metadata.MD) error { return nil }
