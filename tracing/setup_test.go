package tracing

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/log/global"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// keepGlobals restores the global providers and propagator when the test
// ends.
func keepGlobals(t *testing.T) {
	tp, mp, lp, prop := otel.GetTracerProvider(), otel.GetMeterProvider(), global.GetLoggerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() {
		// Setting a global to its current value only logs a complaint.
		if otel.GetTracerProvider() != tp {
			otel.SetTracerProvider(tp)
		}
		if otel.GetMeterProvider() != mp {
			otel.SetMeterProvider(mp)
		}
		if global.GetLoggerProvider() != lp {
			global.SetLoggerProvider(lp)
		}
		if !sameValue(otel.GetTextMapPropagator(), prop) {
			otel.SetTextMapPropagator(prop)
		}
	})
}

// sameValue reports whether a == b, and false where == would panic, as for
// two composite propagators (slices).
func sameValue(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// emit makes one span, one counter increment and one log record inside
// the span, through p, and returns the span's trace ID as text.
func emit(t *testing.T, p *Providers) string {
	t.Helper()
	ctx, span := p.TracerProvider.Tracer("test").Start(context.Background(), "charge card")
	counter, err := p.MeterProvider.Meter("test").Int64Counter("orders")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(ctx, 1)
	slog.New(p.LogHandler("test")).InfoContext(ctx, "charged")
	span.End()
	return span.SpanContext().TraceID().String()
}

func TestSetupInMemoryExportersGetEverythingAfterShutdown(t *testing.T) {
	spans, metrics, logs := new(spanRecorder), new(metricRecorder), new(logRecorder)
	var p Providers
	shutdown, err := Setup(context.Background(),
		WithEnvLookup(envMap(map[string]string{
			// Long delays: only Shutdown can have flushed.
			"OTEL_BSP_SCHEDULE_DELAY":     "600000",
			"OTEL_BLRP_SCHEDULE_DELAY":    "600000",
			"OTEL_METRIC_EXPORT_INTERVAL": "600000",
			"OTEL_SERVICE_NAME":           "checkout",
		})),
		WithSpanExporter(spans), WithMetricExporter(metrics), WithLogExporter(logs),
		WithoutGlobal(), WithProviders(&p))
	if err != nil {
		t.Fatal(err)
	}
	traceID := emit(t, &p)
	if names, _ := spans.exported(); len(names) != 0 {
		t.Fatalf("spans exported before shutdown: %v", names)
	}
	if err := shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	names, ids := spans.exported()
	if len(names) != 1 || names[0] != "charge card" || ids[0].String() != traceID {
		t.Errorf("spans = %v %v, want charge card in trace %s", names, ids, traceID)
	}
	if got := spans.resources[0]["service.name"]; got != "checkout" {
		t.Errorf("span resource service.name = %q", got)
	}
	if got := metrics.exported(); len(got) != 1 || got[0] != "orders" {
		t.Errorf("metrics = %v, want orders", got)
	}
	bodies, logIDs := logs.exported()
	if len(bodies) != 1 || bodies[0] != "charged" || logIDs[0].String() != traceID {
		t.Errorf("logs = %v %v, want charged in trace %s", bodies, logIDs, traceID)
	}
	if spans.shutdownCount() != 1 || logs.shutdownCount() != 1 {
		t.Errorf("exporters shut down %d and %d times, want once", spans.shutdownCount(), logs.shutdownCount())
	}
}

func TestSetupMetricReader(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	var p Providers
	shutdown, err := Setup(context.Background(), WithEnvLookup(quietEnv(nil)),
		WithMetricReader(reader), WithoutGlobal(), WithProviders(&p))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	emit(t, &p)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if len(rm.ScopeMetrics) != 1 || rm.ScopeMetrics[0].Metrics[0].Name != "orders" {
		t.Errorf("collected %+v", rm.ScopeMetrics)
	}
}

func TestSetupConsole(t *testing.T) {
	var buf bytes.Buffer
	var p Providers
	shutdown, err := Setup(context.Background(),
		WithEnvLookup(envMap(map[string]string{
			"OTEL_TRACES_EXPORTER":  "console",
			"OTEL_METRICS_EXPORTER": "console",
			"OTEL_LOGS_EXPORTER":    "console",
			// Bad OTLP settings are not read, since no signal uses OTLP.
			"OTEL_EXPORTER_OTLP_ENDPOINT": "bogus",
		})),
		WithConsoleWriter(&buf), WithoutGlobal(), WithProviders(&p))
	if err != nil {
		t.Fatal(err)
	}
	traceID := emit(t, &p)
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`"Name":"charge card"`, `"Name":"orders"`, `"Body":{"Type":"STRING","Value":"charged"}`, traceID} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %s:\n%s", want, out)
		}
	}
}

func TestSetupNone(t *testing.T) {
	var buf bytes.Buffer
	var p Providers
	shutdown, err := Setup(context.Background(), WithEnvLookup(quietEnv(nil)),
		WithConsoleWriter(&buf), WithoutGlobal(), WithProviders(&p))
	if err != nil {
		t.Fatal(err)
	}
	if p.TracerProvider == nil || p.MeterProvider == nil || p.LoggerProvider == nil || p.Propagator == nil {
		t.Fatalf("providers not all set: %+v", p)
	}
	emit(t, &p)
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q with no exporter", buf.String())
	}
}

func TestSetupRegistersGlobals(t *testing.T) {
	keepGlobals(t)
	var p Providers
	logs := new(logRecorder)
	shutdown, err := Setup(context.Background(), WithEnvLookup(quietEnv(nil)), WithLogExporter(logs), WithProviders(&p))
	if err != nil {
		t.Fatal(err)
	}
	if otel.GetTracerProvider() != p.TracerProvider || otel.GetMeterProvider() != p.MeterProvider ||
		global.GetLoggerProvider() != p.LoggerProvider {
		t.Error("providers not registered globally")
	}
	if got := otel.GetTextMapPropagator().Fields(); len(got) != 3 {
		t.Errorf("global propagator fields = %v, want traceparent, tracestate and baggage", got)
	}
	ctx, span := otel.Tracer("test").Start(context.Background(), "s")
	slog.New(OTLPLogHandler("test")).InfoContext(ctx, "through the global provider")
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	bodies, ids := logs.exported()
	if len(bodies) != 1 || ids[0] != span.SpanContext().TraceID() {
		t.Errorf("logs = %v %v", bodies, ids)
	}
}

func TestSetupWithoutGlobalLeavesGlobalsAlone(t *testing.T) {
	keepGlobals(t)
	tp, prop := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	shutdown, err := Setup(context.Background(), WithEnvLookup(quietEnv(nil)), WithoutGlobal())
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())
	if otel.GetTracerProvider() != tp || otel.GetTextMapPropagator() != prop {
		t.Error("WithoutGlobal registered a provider")
	}
}

func TestSetupDisabled(t *testing.T) {
	keepGlobals(t)
	tp := otel.GetTracerProvider()
	p := Providers{TracerProvider: new(sdktrace.TracerProvider)}
	shutdown, err := Setup(context.Background(),
		WithEnvLookup(envMap(map[string]string{
			"OTEL_SDK_DISABLED":    "TRUE",
			"OTEL_TRACES_EXPORTER": "bogus", // not read
		})),
		WithProviders(&p))
	if err != nil {
		t.Fatal(err)
	}
	if otel.GetTracerProvider() != tp {
		t.Error("a disabled SDK registered a provider")
	}
	if p.TracerProvider != nil || p.MeterProvider != nil || p.LoggerProvider != nil || p.Propagator == nil {
		t.Errorf("providers = %+v, want none but a propagator", p)
	}
	if got := p.Propagator.Fields(); len(got) != 0 {
		t.Errorf("propagator fields = %v, want none", got)
	}
	slog.New(p.LogHandler("test")).Info("dropped") // must not panic
	if err := shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestLogHandlerOnNilProviders(t *testing.T) {
	var p *Providers
	h := p.LogHandler("test")
	if h.Enabled(context.Background(), slog.LevelError) {
		t.Error("a handler over no provider is enabled")
	}
}

func TestShutdownTwice(t *testing.T) {
	spans := new(spanRecorder)
	shutdown, err := Setup(context.Background(), WithEnvLookup(quietEnv(nil)), WithSpanExporter(spans), WithoutGlobal())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = shutdown(context.Background()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if n := spans.shutdownCount(); n != 1 {
		t.Errorf("exporter shut down %d times", n)
	}
}

func TestShutdownWithExpiredContext(t *testing.T) {
	// The span exporter blocks until released, so a flush cannot finish.
	spans := &spanRecorder{block: make(chan struct{})}
	var p Providers
	shutdown, err := Setup(context.Background(), WithEnvLookup(quietEnv(nil)),
		WithSpanExporter(spans), WithLogExporter(new(logRecorder)), WithMetricExporter(new(metricRecorder)),
		WithoutGlobal(), WithProviders(&p))
	if err != nil {
		t.Fatal(err)
	}
	emit(t, &p)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = shutdown(ctx)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("shutdown took %v with a 50ms deadline", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("shutdown = %v, want the context's error", err)
	}
	if again := shutdown(context.Background()); again == nil || again.Error() != err.Error() {
		t.Errorf("second shutdown = %v, want the first one's error", again)
	}

	// Once the export is let go, every goroutine ends (TestMain checks) and
	// the exporter is shut down, though the caller stopped waiting.
	close(spans.block)
	deadline := time.Now().Add(5 * time.Second)
	for spans.shutdownCount() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if spans.shutdownCount() != 1 {
		t.Error("span exporter never shut down")
	}
}

func TestShutdownWithCanceledContextStopsEverything(t *testing.T) {
	logs := new(logRecorder)
	shutdown, err := Setup(context.Background(), WithEnvLookup(quietEnv(nil)),
		WithSpanExporter(new(spanRecorder)), WithLogExporter(logs), WithMetricExporter(new(metricRecorder)),
		WithoutGlobal())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("shutdown = %v, want context.Canceled", err)
	}
	// TestMain's leak check shows the processors' goroutines stopped.
}

// failingProtocol adds protocol "fail": its traces factory builds a
// recorder, its metrics factory fails.
func failingProtocol(spans *spanRecorder) SetupOption {
	return WithOTLPProtocol("fail", OTLPExporters{
		Traces: func(context.Context, OTLPSettings) (sdktrace.SpanExporter, error) { return spans, nil },
		Metrics: func(context.Context, OTLPSettings) (sdkmetric.Exporter, error) {
			return nil, errors.New("cannot dial")
		},
		Logs: func(context.Context, OTLPSettings) (sdklog.Exporter, error) { return new(logRecorder), nil },
	})
}

func TestSetupFailingHalfwayLeavesNothing(t *testing.T) {
	keepGlobals(t)
	tp := otel.GetTracerProvider()
	built := new(spanRecorder)
	mine := new(logRecorder)
	p := Providers{Propagator: propagation.TraceContext{}}
	_, err := Setup(context.Background(),
		WithEnvLookup(envMap(map[string]string{
			"OTEL_EXPORTER_OTLP_PROTOCOL": "fail",
			"OTEL_TRACES_EXPORTER":        "otlp,console",
		})),
		failingProtocol(built), WithLogExporter(mine), WithConsoleWriter(new(bytes.Buffer)), WithProviders(&p))
	if err == nil || !strings.Contains(err.Error(), "cannot dial") || !strings.Contains(err.Error(), "metrics") {
		t.Fatalf("Setup = %v, want the metrics factory's error", err)
	}
	if built.shutdownCount() != 1 {
		t.Error("the exporter built before the failure was not shut down")
	}
	if mine.shutdownCount() != 0 {
		t.Error("the exporter passed in an option was shut down")
	}
	if otel.GetTracerProvider() != tp {
		t.Error("a failed Setup registered a provider")
	}
	if _, ok := p.Propagator.(propagation.TraceContext); !ok || p.TracerProvider != nil {
		t.Errorf("a failed Setup wrote to WithProviders: %+v", p)
	}
}

func TestSetupOTLPProtocol(t *testing.T) {
	var got []OTLPSettings
	var mu sync.Mutex
	keep := func(s OTLPSettings) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, s)
	}
	spans := new(spanRecorder)
	proto := OTLPExporters{
		Traces: func(_ context.Context, s OTLPSettings) (sdktrace.SpanExporter, error) { keep(s); return spans, nil },
		Metrics: func(_ context.Context, s OTLPSettings) (sdkmetric.Exporter, error) {
			keep(s)
			return new(metricRecorder), nil
		},
		Logs: func(_ context.Context, s OTLPSettings) (sdklog.Exporter, error) {
			keep(s)
			return new(logRecorder), nil
		},
	}
	var p Providers
	shutdown, err := Setup(context.Background(),
		WithEnvLookup(envMap(map[string]string{
			"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317",
			"OTEL_EXPORTER_OTLP_HEADERS":  "authorization=Bearer%20" + secret,
		})),
		WithOTLPProtocol(ProtocolGRPC, proto), WithoutGlobal(), WithProviders(&p))
	if err != nil {
		t.Fatal(err)
	}
	emit(t, &p)
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("factories called %d times, want 3", len(got))
	}
	for _, s := range got {
		if s.Protocol != "grpc" || s.Endpoint != "http://collector:4317" || s.Headers["authorization"] != "Bearer "+secret {
			t.Errorf("settings = %v", s)
		}
		if strings.Contains(s.String(), secret) {
			t.Errorf("String() shows a header value: %s", s)
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("settings", "otlp", s)
		if strings.Contains(buf.String(), secret) {
			t.Errorf("logging the settings shows a header value: %s", buf.String())
		}
	}
	if names, _ := spans.exported(); len(names) != 1 {
		t.Errorf("spans through the protocol = %v", names)
	}
}

func TestSetupOTLPProtocolWithoutFactory(t *testing.T) {
	_, err := Setup(context.Background(),
		WithEnvLookup(envMap(map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "partial"})),
		WithOTLPProtocol("partial", OTLPExporters{}), WithoutGlobal())
	if err == nil || !strings.Contains(err.Error(), `"partial" provides no exporter for traces`) {
		t.Errorf("Setup = %v", err)
	}
	_, err = Setup(context.Background(),
		WithEnvLookup(envMap(map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "nil"})),
		WithOTLPProtocol("nil", OTLPExporters{
			Traces: func(context.Context, OTLPSettings) (sdktrace.SpanExporter, error) { return nil, nil },
		}), WithoutGlobal())
	if !errors.Is(err, errNilExporter) {
		t.Errorf("Setup = %v, want errNilExporter", err)
	}
}

func TestSetupReportsEveryBadVariable(t *testing.T) {
	_, err := Setup(context.Background(), WithEnvLookup(envMap(map[string]string{
		"OTEL_TRACES_EXPORTER":     "zipkin",
		"OTEL_METRICS_EXPORTER":    "console",
		"OTEL_LOGS_EXPORTER":       "none",
		"OTEL_TRACES_SAMPLER_ARG":  "2", // not read: the sampler is not a ratio
		"OTEL_BLRP_MAX_QUEUE_SIZE": "huge",
		"OTEL_SERVICE_NAME":        "bad\nname",
	})), WithoutGlobal())
	var names []string
	for _, e := range envErrors(err) {
		names = append(names, e.Var)
	}
	if got := strings.Join(names, " "); got != "OTEL_SERVICE_NAME OTEL_TRACES_EXPORTER OTEL_BLRP_MAX_QUEUE_SIZE" {
		t.Errorf("Setup reported %q (%v)", got, err)
	}
}

func TestSetupCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Setup(ctx, WithEnvLookup(quietEnv(nil)), WithoutGlobal()); !errors.Is(err, context.Canceled) {
		t.Errorf("Setup = %v, want context.Canceled", err)
	}
}

func TestSetupNilOptionsIgnored(t *testing.T) {
	shutdown, err := Setup(context.Background(), nil, WithEnvLookup(nil), WithEnvLookup(quietEnv(nil)),
		WithSpanExporter(nil), WithMetricExporter(nil), WithMetricReader(nil), WithLogExporter(nil),
		WithSampler(nil), WithConsoleWriter(nil), WithProviders(nil), WithOTLPProtocol("", OTLPExporters{}),
		WithoutGlobal())
	if err != nil {
		t.Fatal(err)
	}
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSetupHostileEnvironment(t *testing.T) {
	for _, name := range setupVars {
		for _, v := range hostileValues {
			env := map[string]string{"OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"}
			env[name] = v
			shutdown, err := Setup(context.Background(), WithEnvLookup(envMap(env)),
				WithConsoleWriter(new(bytes.Buffer)), WithoutGlobal())
			if err != nil {
				checkEnvErr(t, name, v, err)
				continue
			}
			if err := shutdown(context.Background()); err != nil {
				t.Errorf("%s=%q: shutdown: %v", name, capValue(v), err)
			}
		}
	}
}
