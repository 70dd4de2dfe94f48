package otlphttp

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/reprokit/reprokit/internal/otlptest"
)

// TestInvalidUTF8IsExported checks that one invalid UTF-8 string, which
// protobuf refuses to marshal, does not cost the whole batch: it arrives
// with the bad bytes replaced.
func TestInvalidUTF8IsExported(t *testing.T) {
	ctx := testCtx(t)
	rcv := otlptest.NewReceiver(t)
	exp, err := NewTraceExporter(Config{Endpoint: rcv.TracesURL()})
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	_, span := tp.Tracer("s\xff").Start(ctx, "name\xff")
	span.SetAttributes(attribute.String("k\xfe", "v\xff"), attribute.StringSlice("list", []string{"a\xff"}))
	span.AddEvent("ev\xff")
	span.End()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("export failed: %v", err)
	}
	if !rcv.WaitFor(func() bool { return len(rcv.SpanNames()) == 1 }, 5*time.Second) {
		t.Fatal("span did not arrive")
	}
	if got := rcv.SpanNames()[0]; got != "name\uFFFD" {
		t.Errorf("span name %q", got)
	}

	lexp, err := NewLogExporter(Config{Endpoint: rcv.LogsURL()})
	if err != nil {
		t.Fatal(err)
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(lexp)))
	var rec otellog.Record
	rec.SetBody(attribute.StringValue("body\xff"))
	rec.AddAttributes(attribute.String("k", "\xff"), attribute.Map("m\xff", attribute.String("x", "\xfe")))
	lp.Logger("l").Emit(context.Background(), rec)
	if err := lp.Shutdown(ctx); err != nil {
		t.Fatalf("log export failed: %v", err)
	}
	if !rcv.WaitFor(func() bool { return len(rcv.AllLogRecords()) == 1 }, 5*time.Second) {
		t.Fatal("log did not arrive")
	}
}
