package tracing_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/tracing"
)

// benchWriter is a ResponseWriter reused across iterations (its header map
// cleared, not replaced), so that only the middleware's own cost is
// measured.
type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(int)             {}

func benchHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	})
}

// sdkOptions is the SDK configuration of the comparison with otelhttp in
// bench/: always sample, export to a recorder that discards.
func sdkOptions(b *testing.B) []tracing.Option {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter())))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() {
		tp.Shutdown(context.Background())
		mp.Shutdown(context.Background())
	})
	return []tracing.Option{tracing.WithTracerProvider(tp), tracing.WithMeterProvider(mp)}
}

func BenchmarkMiddleware(b *testing.B) {
	cases := []struct {
		name string
		h    func(b *testing.B) http.Handler
	}{
		{"bare", func(*testing.B) http.Handler { return benchHandler() }},
		{"noop", func(*testing.B) http.Handler {
			return tracing.NewHandler(benchHandler(), tracing.WithTracerProvider(tracenoop.NewTracerProvider()), tracing.WithMeterProvider(noop.NewMeterProvider()))
		}},
		{"sdk", func(b *testing.B) http.Handler { return tracing.NewHandler(benchHandler(), sdkOptions(b)...) }},
		{"sdk+correlation+logs", func(b *testing.B) http.Handler {
			logger := slog.New(tracing.NewLogHandler(correlation.NewLogHandler(slog.NewJSONHandler(io.Discard, nil))))
			inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				logger.InfoContext(r.Context(), "handled", "route", r.Pattern)
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, "ok")
			})
			return correlation.NewHandler(tracing.NewHandler(inner, sdkOptions(b)...))
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := c.h(b)
			req := httptest.NewRequest("GET", "/orders/42", nil)
			req.RemoteAddr = "192.0.2.1:1234"
			req.Header.Set("User-Agent", "bench")
			w := &benchWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
		})
	}
}

func BenchmarkLogHandler(b *testing.B) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("b").Start(context.Background(), "op")
	defer span.End()
	for _, c := range []struct {
		name string
		h    slog.Handler
	}{
		{"json", slog.NewJSONHandler(io.Discard, nil)},
		{"tracing", tracing.NewLogHandler(slog.NewJSONHandler(io.Discard, nil))},
	} {
		b.Run(c.name, func(b *testing.B) {
			logger := slog.New(c.h)
			b.ReportAllocs()
			for b.Loop() {
				logger.InfoContext(ctx, "m", "a", 1, "b", "two")
			}
		})
	}
}
