package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/reprokit/reprokit/tracing"
)

// telemetry is one service's OpenTelemetry setup: what tracing.Setup
// builds from the OTEL_* variables, with spans kept in memory so the demo
// can print the trace.
type telemetry struct {
	providers tracing.Providers
	shutdown  func(context.Context) error
}

// demoEnv reads the process environment, but turns metrics and logs export
// off unless the user asks for them: with nothing listening on
// localhost:4318 the default OTLP exporters would only report errors.
func demoEnv(name string) (string, bool) {
	if v, ok := os.LookupEnv(name); ok {
		return v, ok
	}
	switch name {
	case "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER":
		return "none", true
	}
	return "", false
}

func newTelemetry(ctx context.Context, service string, spans sdktrace.SpanExporter) (*telemetry, error) {
	t := &telemetry{}
	shutdown, err := tracing.Setup(ctx,
		tracing.WithServiceName(service),
		tracing.WithEnvLookup(demoEnv),
		tracing.WithSpanExporter(spans),
		tracing.WithoutGlobal(), // two services in one process: one set of providers each
		tracing.WithProviders(&t.providers),
	)
	if err != nil {
		return nil, fmt.Errorf("telemetry for %s: %w", service, err)
	}
	t.shutdown = shutdown
	return t, nil
}

// options are the tracing options of this service's middleware and client.
func (t *telemetry) options(more ...tracing.Option) []tracing.Option {
	return append([]tracing.Option{
		tracing.WithTracerProvider(t.providers.TracerProvider),
		tracing.WithMeterProvider(t.providers.MeterProvider),
		tracing.WithPropagator(t.providers.Propagator),
	}, more...)
}

func (t *telemetry) flush(ctx context.Context) error {
	return t.providers.TracerProvider.ForceFlush(ctx)
}

// describeTrace draws the spans of one request as the chain a reader
// expects, "checkout POST /checkout → checkout POST (client) → inventory
// POST /reserve", and checks it is one trace, each span the child of the
// one before. It returns the trace ID.
func describeTrace(spans tracetest.SpanStubs) (line string, traceID trace.TraceID, err error) {
	if len(spans) == 0 {
		return "", trace.TraceID{}, fmt.Errorf("no spans")
	}
	// Find the root (no parent among these spans) and walk down.
	byParent := map[trace.SpanID]tracetest.SpanStub{}
	ids := map[trace.SpanID]bool{}
	for _, s := range spans {
		byParent[s.Parent.SpanID()] = s
		ids[s.SpanContext.SpanID()] = true
	}
	var root tracetest.SpanStub
	found := false
	for _, s := range spans {
		if !ids[s.Parent.SpanID()] {
			root, found = s, true
		}
	}
	if !found {
		return "", trace.TraceID{}, fmt.Errorf("no root span")
	}
	var parts []string
	for s, n := root, 0; ; n++ {
		if s.SpanContext.TraceID() != root.SpanContext.TraceID() {
			return "", trace.TraceID{}, fmt.Errorf("span %q is in another trace", s.Name)
		}
		service := "?"
		for _, kv := range s.Resource.Attributes() {
			if kv.Key == "service.name" {
				service = kv.Value.AsString()
			}
		}
		kind := ""
		if s.SpanKind == trace.SpanKindClient {
			kind = " (client)"
		}
		parts = append(parts, fmt.Sprintf("%s %q%s", service, s.Name, kind))
		next, ok := byParent[s.SpanContext.SpanID()]
		if !ok {
			break
		}
		s = next
		if n > len(spans) {
			return "", trace.TraceID{}, fmt.Errorf("span cycle")
		}
	}
	if len(parts) != len(spans) {
		return "", trace.TraceID{}, fmt.Errorf("%d spans, but the chain from the root holds %d", len(spans), len(parts))
	}
	return strings.Join(parts, " → "), root.SpanContext.TraceID(), nil
}
