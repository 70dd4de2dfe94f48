package tracing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"go.opentelemetry.io/otel/exporters/stdout/stdoutlog"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/reprokit/reprokit/internal/otlphttp"
)

// The exporters that OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER and
// OTEL_LOGS_EXPORTER may name.
const (
	exporterOTLP    = "otlp"
	exporterConsole = "console"
	exporterNone    = "none"
)

var (
	supportedExporters = []string{exporterOTLP, exporterConsole, exporterNone}
	// unsupportedExporters are the other values the specification knows,
	// refused with ErrUnsupported and a hint.
	unsupportedExporters = map[string]string{
		"zipkin":     "the Zipkin exporter is not provided: use otlp",
		"jaeger":     "the Jaeger exporter is not provided: Jaeger accepts otlp",
		"prometheus": "the Prometheus exporter is not provided: use otlp, or pass a reader with tracing.WithMetricReader",
		"logging":    `"logging" is the deprecated name of "console"`,
	}
)

// signalPlan is what the variables say about one signal's exporters.
type signalPlan struct {
	console bool
	otlp    *OTLPSettings // nil: no OTLP exporter
	// temporality is the temporality preference of the metric exporters,
	// console and OTLP alike; empty for the other signals, and for metrics
	// without an exporter.
	temporality string
}

// readSignal reads OTEL_<SIGNAL>_EXPORTER, by default "otlp", the OTLP
// settings when it selects otlp and, for metrics with an exporter,
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, which the console
// exporter honours too.
func (r *envReader) readSignal(signal string, protocols map[string]OTLPExporters) signalPlan {
	var p signalPlan
	name := "OTEL_" + signalUpper(signal) + "_EXPORTER"
	exporters := r.list(name, []string{exporterOTLP}, supportedExporters, unsupportedExporters)
	for _, e := range exporters {
		switch e {
		case exporterConsole:
			p.console = true
		case exporterOTLP:
			if s, ok := r.otlpSettings(signal, protocols); ok {
				p.otlp = &s
			}
		}
	}
	if signal == signalMetrics && len(exporters) > 0 {
		p.temporality = r.readTemporalityPreference()
		if p.otlp != nil {
			p.otlp.TemporalityPreference = p.temporality
		}
	}
	return p
}

func signalUpper(signal string) string {
	switch signal {
	case signalTraces:
		return "TRACES"
	case signalMetrics:
		return "METRICS"
	}
	return "LOGS"
}

// exporterSet holds the exporters of the three signals.
type exporterSet struct {
	spans   []sdktrace.SpanExporter
	metrics []sdkmetric.Exporter
	logs    []sdklog.Exporter
	// built are the shutdown functions of the exporters built here (not
	// those passed in options), for a Setup that fails part way.
	built []func(context.Context) error
}

// shutdownBuilt shuts down the exporters built here.
func (s *exporterSet) shutdownBuilt(ctx context.Context) {
	for _, f := range s.built {
		_ = f(ctx)
	}
}

// buildExporters makes the exporters the plan asks for, after those passed
// in options. If one fails it shuts down those it made and returns the
// error.
func buildExporters(ctx context.Context, p *setupPlan, c *setupConfig) (*exporterSet, error) {
	s := &exporterSet{
		spans:   append([]sdktrace.SpanExporter(nil), c.spanExporters...),
		metrics: append([]sdkmetric.Exporter(nil), c.metricExporters...),
		logs:    append([]sdklog.Exporter(nil), c.logExporters...),
	}
	var console io.Writer
	if p.traces.console || p.metrics.console || p.logs.console {
		console = &lockedWriter{w: c.console}
	}
	err := s.build(ctx, p, c.protocols, console)
	if err != nil {
		s.shutdownBuilt(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

func (s *exporterSet) build(ctx context.Context, p *setupPlan, protocols map[string]OTLPExporters, console io.Writer) error {
	if p.traces.console {
		e, err := stdouttrace.New(stdouttrace.WithWriter(console))
		if err != nil {
			return fmt.Errorf("tracing: console span exporter: %w", err)
		}
		s.addSpans(e)
	}
	if p.traces.otlp != nil {
		e, err := otlpExporter(ctx, *p.traces.otlp, protocols,
			func(f OTLPExporters) func(context.Context, OTLPSettings) (sdktrace.SpanExporter, error) {
				return f.Traces
			},
			func(cfg otlphttp.Config) (sdktrace.SpanExporter, error) { return otlphttp.NewTraceExporter(cfg) })
		if err != nil {
			return err
		}
		s.addSpans(e)
	}
	if p.metrics.console {
		e, err := stdoutmetric.New(stdoutmetric.WithWriter(console),
			stdoutmetric.WithTemporalitySelector(temporalitySelector(p.metrics.temporality)))
		if err != nil {
			return fmt.Errorf("tracing: console metric exporter: %w", err)
		}
		s.addMetrics(e)
	}
	if p.metrics.otlp != nil {
		e, err := otlpExporter(ctx, *p.metrics.otlp, protocols,
			func(f OTLPExporters) func(context.Context, OTLPSettings) (sdkmetric.Exporter, error) {
				return f.Metrics
			},
			func(cfg otlphttp.Config) (sdkmetric.Exporter, error) { return otlphttp.NewMetricExporter(cfg) })
		if err != nil {
			return err
		}
		s.addMetrics(e)
	}
	if p.logs.console {
		e, err := stdoutlog.New(stdoutlog.WithWriter(console))
		if err != nil {
			return fmt.Errorf("tracing: console log exporter: %w", err)
		}
		s.addLogs(e)
	}
	if p.logs.otlp != nil {
		e, err := otlpExporter(ctx, *p.logs.otlp, protocols,
			func(f OTLPExporters) func(context.Context, OTLPSettings) (sdklog.Exporter, error) { return f.Logs },
			func(cfg otlphttp.Config) (sdklog.Exporter, error) { return otlphttp.NewLogExporter(cfg) })
		if err != nil {
			return err
		}
		s.addLogs(e)
	}
	return nil
}

func (s *exporterSet) addSpans(e sdktrace.SpanExporter) {
	s.spans = append(s.spans, e)
	s.built = append(s.built, e.Shutdown)
}

func (s *exporterSet) addMetrics(e sdkmetric.Exporter) {
	s.metrics = append(s.metrics, e)
	s.built = append(s.built, e.Shutdown)
}

func (s *exporterSet) addLogs(e sdklog.Exporter) {
	s.logs = append(s.logs, e)
	s.built = append(s.built, e.Shutdown)
}

// errNilExporter is returned when a factory of OTLPExporters returns
// neither an exporter nor an error.
var errNilExporter = errors.New("returned no exporter and no error")

// otlpExporter makes one signal's OTLP exporter: with the factory added by
// WithOTLPProtocol for the protocol, else, for http/protobuf, with package
// otlphttp. pick selects the signal's factory from an OTLPExporters.
func otlpExporter[E any](
	ctx context.Context,
	s OTLPSettings,
	protocols map[string]OTLPExporters,
	pick func(OTLPExporters) func(context.Context, OTLPSettings) (E, error),
	builtin func(otlphttp.Config) (E, error),
) (E, error) {
	var zero E
	if f, ok := protocols[s.Protocol]; ok {
		factory := pick(f)
		if factory == nil {
			return zero, fmt.Errorf("tracing: OTLP protocol %q provides no exporter for %s", s.Protocol, s.Signal)
		}
		e, err := factory(ctx, s)
		if err == nil && isNilExporter(e) {
			err = errNilExporter
		}
		if err != nil {
			return zero, fmt.Errorf("tracing: OTLP %s exporter for %s: %w", s.Protocol, s.Signal, err)
		}
		return e, nil
	}
	e, err := builtin(otlphttp.Config{
		Endpoint:    s.Endpoint,
		Headers:     s.Headers,
		Timeout:     s.Timeout,
		Compression: s.Compression,
		Temporality: s.TemporalitySelector(), // used by the metric exporter only
	})
	if err != nil {
		return zero, fmt.Errorf("tracing: OTLP %s exporter for %s: %w", s.Protocol, s.Signal, err)
	}
	return e, nil
}

// isNilExporter reports whether the interface value e is nil.
func isNilExporter(e any) bool { return e == nil }

// lockedWriter serializes the writes of the three console exporters to
// one writer, so their output does not interleave and a writer that is
// not safe for concurrent use, such as a bytes.Buffer, can be used.
type lockedWriter struct {
	mu sync.Mutex // guards w
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
