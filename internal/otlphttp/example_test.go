package otlphttp_test

import (
	"context"
	"log"
	"time"

	"github.com/reprokit/reprokit/internal/otlphttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// An exporter plugs into the SDK like the official OTLP/HTTP exporters.
func ExampleNewTraceExporter() {
	exp, err := otlphttp.NewTraceExporter(otlphttp.Config{
		Endpoint:    "http://localhost:4318/v1/traces",
		Headers:     map[string]string{"Authorization": "Bearer <token>"},
		Timeout:     5 * time.Second,
		Compression: otlphttp.CompressionGzip,
	})
	if err != nil {
		log.Fatal(err) // an invalid Config field, named in err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tp.Shutdown(ctx) // flushes the batch, then shuts the exporter down
	}()

	_, span := tp.Tracer("example").Start(context.Background(), "work")
	span.End()
}
