package tracing_test

import (
	"context"
	"fmt"
	"log/slog"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/reprokit/reprokit/tracing"
)

// printLogs is a log exporter that prints each record's body and whether
// it shares the trace ID of the span given.
type printLogs struct{ span *tracetest.SpanStub }

func (p printLogs) Export(_ context.Context, records []sdklog.Record) error {
	for _, r := range records {
		fmt.Printf("log %q in the span's trace: %v\n", r.Body().AsString(), r.TraceID() == p.span.SpanContext.TraceID())
	}
	return nil
}
func (printLogs) ForceFlush(context.Context) error { return nil }
func (printLogs) Shutdown(context.Context) error   { return nil }

// Setup with in-memory exporters, as a test would: the variables come from
// a map rather than the process environment, and the providers are kept
// rather than registered globally.
func ExampleSetup() {
	env := map[string]string{
		"OTEL_SERVICE_NAME":     "checkout",
		"OTEL_METRICS_EXPORTER": "none",
	}
	spans := tracetest.NewInMemoryExporter()
	var span tracetest.SpanStub
	var p tracing.Providers
	shutdown, err := tracing.Setup(context.Background(),
		tracing.WithEnvLookup(func(name string) (string, bool) { v, ok := env[name]; return v, ok }),
		tracing.WithSpanExporter(spans),
		tracing.WithLogExporter(printLogs{&span}),
		tracing.WithoutGlobal(),
		tracing.WithProviders(&p))
	if err != nil {
		fmt.Println(err)
		return
	}

	logger := slog.New(p.LogHandler("example"))
	ctx, s := p.TracerProvider.Tracer("example").Start(context.Background(), "charge card")
	logger.InfoContext(ctx, "charged")
	s.End()

	// Flush the spans; the in-memory exporter forgets them on shutdown.
	_ = p.TracerProvider.ForceFlush(context.Background())
	for _, st := range spans.GetSpans() {
		service, _ := st.Resource.Set().Value("service.name")
		fmt.Printf("span %q of service %s\n", st.Name, service.AsString())
		span = st
	}
	// Shutdown flushes the log record.
	if err := shutdown(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// span "charge card" of service checkout
	// log "charged" in the span's trace: true
}
