package tracing

import (
	"log/slog"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	lognoop "go.opentelemetry.io/otel/log/noop"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Providers is what [Setup] built, stored by [WithProviders]. They are safe
// for concurrent use. They are shut down by the function Setup returns,
// not by the user.
//
// When OTEL_SDK_DISABLED=true, Setup builds no provider: the three
// provider fields are nil, Propagator propagates nothing, and LogHandler
// drops every record.
type Providers struct {
	TracerProvider *sdktrace.TracerProvider
	MeterProvider  *sdkmetric.MeterProvider
	LoggerProvider *sdklog.LoggerProvider
	// Propagator is the text map propagator that OTEL_PROPAGATORS selects,
	// by default W3C trace context and baggage. Never nil after Setup.
	Propagator propagation.TextMapPropagator
}

// LogHandler returns a slog.Handler that turns records into OpenTelemetry
// log records of p.LoggerProvider, under the instrumentation scope name
// (the package or program that logs), through the otelslog bridge.
// Records carry the trace and span IDs of the context they are logged
// with, so traces, metrics and logs of one Setup share IDs. opts are
// passed to the bridge after the provider. On a nil p, or one without a
// LoggerProvider, the handler drops every record.
func (p *Providers) LogHandler(name string, opts ...otelslog.Option) slog.Handler {
	var lp otelslog.Option
	if p != nil && p.LoggerProvider != nil {
		lp = otelslog.WithLoggerProvider(p.LoggerProvider)
	} else {
		lp = otelslog.WithLoggerProvider(lognoop.NewLoggerProvider())
	}
	return otelslog.NewHandler(name, append([]otelslog.Option{lp}, opts...)...)
}

// OTLPLogHandler returns a slog.Handler that turns records into
// OpenTelemetry log records of the global logger provider, which [Setup]
// registers, under the instrumentation scope name, through the otelslog
// bridge. Records carry the trace and span IDs of their context. The
// handler may be made before Setup runs: until a provider is registered
// its records are dropped.
func OTLPLogHandler(name string, opts ...otelslog.Option) slog.Handler {
	return otelslog.NewHandler(name, opts...)
}
