package grpcdiag_test

import (
	"context"
	"fmt"
	"log"
	"net"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/grpcdiag"
	"github.com/reprokit/reprokit/tracing"
)

// With WithTracing on both sides, a call makes a client span and a server
// span in one trace, the server span the child of the client span, each
// carrying the call's correlation ID.
func ExampleWithTracing() {
	// In a service, the provider would come from tracing.Setup; a span
	// recorder shows what was recorded.
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background())
	traced := grpcdiag.WithTracing(tracing.WithTracerProvider(tp))

	srv := grpc.NewServer(grpcdiag.ServerOptions(traced)...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(lis) // returns when srv stops
	defer srv.Stop()

	conn, err := grpc.NewClient(lis.Addr().String(),
		append(grpcdiag.DialOptions(traced), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	ctx := correlation.NewContext(context.Background(), "req-42")
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		log.Fatal(err)
	}

	var client, server sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		switch s.SpanKind() {
		case trace.SpanKindClient:
			client = s
		case trace.SpanKindServer:
			server = s
		}
	}
	for _, s := range []sdktrace.ReadOnlySpan{client, server} {
		for _, kv := range s.Attributes() {
			if kv.Key == tracing.CorrelationIDKey {
				fmt.Printf("%s span %s, %s=%s\n", s.SpanKind(), s.Name(), kv.Key, kv.Value.AsString())
			}
		}
	}
	fmt.Println("server span's parent is the client span:", server.Parent().SpanID() == client.SpanContext().SpanID())
	fmt.Println("one trace:", server.SpanContext().TraceID() == client.SpanContext().TraceID())
	// Output:
	// client span grpc.health.v1.Health/Check, correlation.id=req-42
	// server span grpc.health.v1.Health/Check, correlation.id=req-42
	// server span's parent is the client span: true
	// one trace: true
}
