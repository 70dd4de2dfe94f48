package grpcdiag_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/reprokit/reprokit/grpcdiag"
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

// discardStream is a grpc.ServerTransportStream that drops what is set on
// it, so that benchmarks measure the interceptor only.
type discardStream struct{}

func (discardStream) Method() string               { return "/grpc.health.v1.Health/Check" }
func (discardStream) SetHeader(metadata.MD) error  { return nil }
func (discardStream) SendHeader(metadata.MD) error { return nil }
func (discardStream) SetTrailer(metadata.MD) error { return nil }
