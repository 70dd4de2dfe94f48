package bench_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5/middleware"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/tracing"
)

// userAgent is the User-Agent of the traced request: a browser's, of the
// usual length.
const userAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

// newTracedRequest returns the request of BenchmarkServer and
// BenchmarkStack: the request of BenchmarkRequestID without an ID (no
// X-Request-ID, no traceparent), with a User-Agent. No stack modifies it,
// so one serves every iteration.
func newTracedRequest() *http.Request {
	r := newRequest(requestCase{name: "new_id"})
	r.Header.Set("User-Agent", userAgent)
	return r
}

// providers are the OpenTelemetry providers one stack is given.
type providers struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
	// reader reads what the SDK meter provider recorded; nil for no-ops.
	reader *sdkmetric.ManualReader
}

// newSDK returns the SDK configuration of every "sdk" measurement: every
// span sampled and handed to spans, every measurement kept by a manual
// reader. Benchmarks pass discardSpans(); tests pass a
// tracetest.SpanRecorder to see the spans.
func newSDK(tb testing.TB, spans sdktrace.SpanProcessor) providers {
	reader := sdkmetric.NewManualReader()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	tb.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return providers{tp: tp, mp: mp, reader: reader}
}

// discardSpans is the span processor of the benchmarks: it ends each span
// into an exporter that drops it, so a span costs its snapshot and
// nothing else.
func discardSpans() sdktrace.SpanProcessor {
	return sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter())
}

// providerCase is one OpenTelemetry configuration, given explicitly to
// every implementation.
type providerCase struct {
	name string
	new  func(tb testing.TB, spans sdktrace.SpanProcessor) providers
}

var providerCases = []providerCase{
	{name: "sdk", new: newSDK},
	{
		// The API's no-op providers, passed explicitly: nothing can be
		// recorded, only the caller's context propagated.
		name: "noop",
		new: func(testing.TB, sdktrace.SpanProcessor) providers {
			return providers{tp: tracenoop.NewTracerProvider(), mp: metricnoop.NewMeterProvider()}
		},
	},
}

// serverImpl is one way to give a request a server span and a duration
// measurement.
type serverImpl struct {
	name string
	wrap func(h http.Handler, p providers) http.Handler
	// traces reports whether the stack starts a server span.
	traces bool
}

var serverImpls = []serverImpl{
	{name: "bare", wrap: func(h http.Handler, _ providers) http.Handler { return h }},
	{name: "otelhttp", wrap: withOtelhttp, traces: true},
	{name: "reprokit", wrap: withTracing, traces: true},
}

// withOtelhttp wraps h in otelhttp's handler, with p and the same
// propagator as reprokit's default (otelhttp's default is the global one,
// a no-op until otel.SetTextMapPropagator is called).
func withOtelhttp(h http.Handler, p providers) http.Handler {
	return otelhttp.NewHandler(h, "op",
		otelhttp.WithTracerProvider(p.tp),
		otelhttp.WithMeterProvider(p.mp),
		otelhttp.WithPropagators(tracing.DefaultPropagator()))
}

// withTracing wraps h in reprokit's tracing handler, with p.
func withTracing(h http.Handler, p providers) http.Handler {
	return tracing.NewHandler(h,
		tracing.WithTracerProvider(p.tp),
		tracing.WithMeterProvider(p.mp))
}

// stackImpl is one whole request stack: request ID, server span and a
// handler that logs one line.
type stackImpl struct {
	name string
	// new returns the stack, logging to out and tracing to p. probe, if
	// not nil, sees the request the handler gets.
	new func(out io.Writer, p providers, probe func(*http.Request)) http.Handler
	// ctxID returns the request ID the stack put in the context, "" if none.
	ctxID func(context.Context) string
	// traces reports whether the stack starts a server span.
	traces bool
	// stamps reports whether log lines carry the request's IDs.
	stamps bool
}

var stackImpls = []stackImpl{
	{
		name: "bare",
		new: func(out io.Writer, _ providers, probe func(*http.Request)) http.Handler {
			return loggingApp(slog.New(slog.NewJSONHandler(out, nil)), probe)
		},
		ctxID: func(context.Context) string { return "" },
	},
	{
		// What a chi service would use: RequestID, then otelhttp, and
		// the plain JSON logger, which knows neither ID.
		name: "chi_otelhttp",
		new: func(out io.Writer, p providers, probe func(*http.Request)) http.Handler {
			return middleware.RequestID(withOtelhttp(loggingApp(slog.New(slog.NewJSONHandler(out, nil)), probe), p))
		},
		ctxID:  middleware.GetReqID,
		traces: true,
	},
	{
		name: "reprokit",
		new: func(out io.Writer, p providers, probe func(*http.Request)) http.Handler {
			logger := slog.New(tracing.NewLogHandler(correlation.NewLogHandler(slog.NewJSONHandler(out, nil))))
			return correlation.NewHandler(withTracing(loggingApp(logger, probe), p))
		},
		ctxID: func(ctx context.Context) string {
			id, _ := correlation.FromContext(ctx)
			return id
		},
		traces: true,
		stamps: true,
	},
}

// loggingApp is app preceded by the log line of a request: one Info call
// with the request's context and two attributes.
func loggingApp(logger *slog.Logger, probe func(*http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if probe != nil {
			probe(r)
		}
		logger.InfoContext(r.Context(), "order served", "order", "A-1042", "cents", 1999)
		app.ServeHTTP(w, r)
	})
}

// durationName is the metric both middlewares record per request.
const durationName = "http.server.request.duration"

// collect returns what reader holds, failing t if it cannot be read.
func collect(t *testing.T, reader *sdkmetric.ManualReader) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collecting metrics: %v", err)
	}
	return rm
}

// findMetric returns the metric called name in rm.
func findMetric(rm metricdata.ResourceMetrics, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// durationCount returns how many request durations reader holds.
func durationCount(t *testing.T, reader *sdkmetric.ManualReader) uint64 {
	t.Helper()
	m, ok := findMetric(collect(t, reader), durationName)
	if !ok {
		return 0
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is a %T, want a float64 histogram", durationName, m.Data)
	}
	var n uint64
	for _, dp := range h.DataPoints {
		n += dp.Count
	}
	return n
}
