package grpcdiag_test

import (
	"context"
	"log"

	"github.com/reprokit/reprokit/grpcdiag"
	"github.com/reprokit/reprokit/tracing"
)

// A service that exports over OTLP/gRPC passes WithOTLP to Setup and is
// run with OTEL_EXPORTER_OTLP_PROTOCOL=grpc (and, say,
// OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317).
func ExampleWithOTLP() {
	ctx := context.Background()
	shutdown, err := tracing.Setup(ctx, tracing.WithServiceName("checkout"), grpcdiag.WithOTLP())
	if err != nil {
		log.Fatal(err)
	}
	defer shutdown(context.WithoutCancel(ctx))
}
