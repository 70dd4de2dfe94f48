package tracing_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/tracing"
)

// A service puts the tracing middleware inside the correlation one, and a
// logger whose handlers stamp both IDs on every line.
func ExampleNewHandler() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background())

	logger := slog.New(tracing.NewLogHandler(correlation.NewLogHandler(
		slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime}))))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "order read")
	})
	handler := correlation.NewHandler(tracing.NewHandler(mux, tracing.WithTracerProvider(tp)))

	req := httptest.NewRequest("GET", "/orders/42", nil)
	req.Header.Set("X-Request-ID", "ticket-981")
	// The caller's trace: this service's span becomes its child.
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	handler.ServeHTTP(httptest.NewRecorder(), req)

	s := spans.Ended()[0]
	fmt.Println("span:", s.Name(), "trace:", s.SpanContext().TraceID())
	// Output:
	// {"level":"INFO","msg":"order read","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"SPAN","correlation_id":"ticket-981"}
	// span: GET /orders/{id} trace: 4bf92f3577b34da6a3ce929d0e0e4736
}

// dropTime removes the timestamp, and replaces the span ID (random) by a
// placeholder, to keep the example's output stable.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	switch {
	case len(groups) > 0:
	case a.Key == slog.TimeKey:
		return slog.Attr{}
	case a.Key == tracing.DefaultSpanIDKey:
		return slog.String(a.Key, "SPAN")
	}
	return a
}
