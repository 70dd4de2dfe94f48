package tracing

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/log/global"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Setup builds a TracerProvider, a MeterProvider and a LoggerProvider,
// with the W3C trace context and baggage propagator, configured by the
// OTEL_* environment variables of the OpenTelemetry specification, and,
// unless [WithoutGlobal] is given, registers them as the global providers
// and propagator (otel.SetTracerProvider, otel.SetMeterProvider,
// global.SetLoggerProvider, otel.SetTextMapPropagator).
//
// Every variable Setup reads that holds a value it cannot use makes it
// fail with an [*EnvError] naming the variable; several are joined with
// errors.Join. A variable set to the empty string, or to white space, is
// treated as unset, as the specification says. Values are matched in any
// case.
//
// The variables, and their defaults:
//
//   - OTEL_SDK_DISABLED: "true" makes Setup build and register nothing and
//     return a shutdown that does nothing; no other variable is read.
//     Default false.
//   - OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES (key=value,… with
//     percent-encoded values): the resource. The service name is taken from
//     OTEL_SERVICE_NAME, else service.name in OTEL_RESOURCE_ATTRIBUTES, else
//     [WithServiceName], else "unknown_service:" and the executable's name.
//     The variables win over the options because the options are defaults
//     in code, which an operator must be able to override without a
//     rebuild. The resource also holds telemetry.sdk.*, host.name, os.type,
//     process.pid, process.executable.name and process.runtime.*.
//   - OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER, OTEL_LOGS_EXPORTER: a
//     comma-separated list of otlp, console, or the single value none.
//     Default otlp. Not read for a signal whose exporters are passed in
//     options.
//   - OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf (default) or a protocol
//     added with [WithOTLPProtocol], such as grpc.
//   - OTEL_EXPORTER_OTLP_ENDPOINT: the base URL, to which /v1/traces,
//     /v1/metrics and /v1/logs are appended for OTLP over HTTP. Default
//     [DefaultOTLPHTTPEndpoint] (or [DefaultOTLPGRPCEndpoint]).
//   - OTEL_EXPORTER_OTLP_HEADERS: key=value,… percent-encoded. Default none.
//   - OTEL_EXPORTER_OTLP_TIMEOUT: milliseconds per export. Default 10000.
//   - OTEL_EXPORTER_OTLP_COMPRESSION: gzip or none. Default none.
//   - Each of the five above per signal, such as
//     OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, which takes precedence; a
//     per-signal endpoint is the full URL, used as is, and per-signal
//     headers replace the general ones.
//   - OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: cumulative
//     (default), delta (delta for counters, observable counters and
//     histograms) or lowmemory (delta for counters and histograms only);
//     see [OTLPSettings.TemporalitySelector]. The console metric exporter
//     honours it too. Not read when metrics have no exporter or theirs are
//     passed in options.
//   - OTEL_TRACES_SAMPLER: always_on, always_off, traceidratio,
//     parentbased_always_on (default), parentbased_always_off,
//     parentbased_traceidratio; OTEL_TRACES_SAMPLER_ARG: the ratio, from 0
//     to 1, default 1. Not read with [WithSampler].
//   - OTEL_PROPAGATORS: tracecontext, baggage, or none. Default
//     tracecontext,baggage.
//   - OTEL_BSP_SCHEDULE_DELAY (5000), OTEL_BSP_EXPORT_TIMEOUT (30000),
//     OTEL_BSP_MAX_QUEUE_SIZE (2048), OTEL_BSP_MAX_EXPORT_BATCH_SIZE (512),
//     and the same four OTEL_BLRP_* for logs (the delay defaults to 1000):
//     the batch processors, in milliseconds and records.
//   - OTEL_METRIC_EXPORT_INTERVAL (60000), OTEL_METRIC_EXPORT_TIMEOUT
//     (30000): the periodic metric reader.
//   - OTEL_ATTRIBUTE_COUNT_LIMIT, OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT and the
//     OTEL_SPAN_*, OTEL_EVENT_*, OTEL_LINK_* and OTEL_LOGRECORD_* limits.
//
// Setup reads the variables through [WithEnvLookup] when given. Values
// longer than 64 KiB are refused.
//
// If Setup fails, it has shut down whatever it had built, registered
// nothing, and left the exporters and readers passed in options as they
// were; dst of [WithProviders] is not written.
//
// The shutdown function flushes what the three providers hold, shuts them
// down, with their exporters and readers, and returns every error joined.
// It honours its context: when the deadline passes it returns the
// context's error, while the processors finish stopping in the
// background. It is safe to call more than once and from several
// goroutines: later calls wait for the first and return what it returned.
// It does not unregister the global providers, which drop everything once
// shut down.
func Setup(ctx context.Context, opts ...SetupOption) (shutdown func(context.Context) error, err error) {
	if ctx == nil {
		panic("tracing: Setup called with a nil context")
	}
	c := newSetupConfig(opts)
	r := newEnvReader(c.lookup)

	if r.bool(envSDKDisabled) {
		if c.dst != nil {
			*c.dst = Providers{Propagator: propagation.NewCompositeTextMapPropagator()}
		}
		return func(context.Context) error { return nil }, nil
	}
	p := readPlan(r, c)
	if err := r.err(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res, err := buildResource(ctx, &c.resource)
	if err != nil {
		return nil, err
	}
	ex, err := buildExporters(ctx, p, c)
	if err != nil {
		return nil, err
	}
	// Nothing below fails: the providers start their goroutines only now.

	ps := &providerSet{}
	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSampler(p.sampler),
		sdktrace.WithRawSpanLimits(p.limits.span),
	}
	for _, e := range ex.spans {
		sp := p.bsp.spanProcessor(e)
		ps.spanProcessors = append(ps.spanProcessors, sp)
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
	}
	ps.tp = sdktrace.NewTracerProvider(tpOpts...)

	mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res)}
	for _, e := range ex.metrics {
		mpOpts = append(mpOpts, sdkmetric.WithReader(p.reader.reader(e)))
	}
	for _, rd := range c.metricReaders {
		mpOpts = append(mpOpts, sdkmetric.WithReader(rd))
	}
	ps.mp = sdkmetric.NewMeterProvider(mpOpts...)

	lpOpts := append([]sdklog.LoggerProviderOption{sdklog.WithResource(res)}, p.limits.loggerOptions()...)
	for _, e := range ex.logs {
		bp := p.blrp.logProcessor(e)
		ps.logProcessors = append(ps.logProcessors, bp)
		lpOpts = append(lpOpts, sdklog.WithProcessor(bp))
	}
	ps.lp = sdklog.NewLoggerProvider(lpOpts...)

	if c.global {
		otel.SetTracerProvider(ps.tp)
		otel.SetMeterProvider(ps.mp)
		global.SetLoggerProvider(ps.lp)
		otel.SetTextMapPropagator(p.propagator)
		otel.SetErrorHandler(errorLogger{c.logger})
	}
	if c.dst != nil {
		*c.dst = Providers{
			TracerProvider: ps.tp,
			MeterProvider:  ps.mp,
			LoggerProvider: ps.lp,
			Propagator:     p.propagator,
		}
	}
	return ps.shutdownOnce, nil
}

// setupPlan is everything the variables and options say, read before
// anything is built.
type setupPlan struct {
	sampler               sdktrace.Sampler
	propagator            propagation.TextMapPropagator
	traces, metrics, logs signalPlan
	bsp, blrp             batchSettings
	reader                readerSettings
	limits                limitSettings
}

// readPlan reads every variable that concerns c; errors are left in r.
func readPlan(r *envReader, c *setupConfig) *setupPlan {
	p := &setupPlan{sampler: c.sampler}
	r.readResource(&c.resource)
	if p.sampler == nil {
		p.sampler = r.readSampler()
	}
	p.propagator = r.readPropagator()
	if len(c.spanExporters) == 0 {
		p.traces = r.readSignal(signalTraces, c.protocols)
	}
	if len(c.metricExporters) == 0 && len(c.metricReaders) == 0 {
		p.metrics = r.readSignal(signalMetrics, c.protocols)
	}
	if len(c.logExporters) == 0 {
		p.logs = r.readSignal(signalLogs, c.protocols)
	}
	p.bsp = r.readBatch("OTEL_BSP", 5*time.Second)
	p.blrp = r.readBatch("OTEL_BLRP", time.Second)
	p.reader = r.readReader()
	p.limits = r.readLimits()
	return p
}

// providerSet is what Setup built, with the processors it made, which the
// shutdown stops itself: a provider whose Shutdown sees an expired context
// returns before stopping its processors, and would leave their goroutines
// running for good.
type providerSet struct {
	tp             *sdktrace.TracerProvider
	mp             *sdkmetric.MeterProvider
	lp             *sdklog.LoggerProvider
	spanProcessors []sdktrace.SpanProcessor
	logProcessors  []sdklog.Processor

	once sync.Once
	err  error
}

func (s *providerSet) shutdownOnce(ctx context.Context) error {
	s.once.Do(func() { s.err = s.shutdown(ctx) })
	return s.err
}

// shutdown shuts the three providers down at once, so that a slow one does
// not use up the deadline of the others.
func (s *providerSet) shutdown(ctx context.Context) error {
	var errs [3][]error
	var wg sync.WaitGroup
	wg.Go(func() {
		errs[0] = append(errs[0], s.tp.Shutdown(ctx))
		for _, sp := range s.spanProcessors {
			errs[0] = append(errs[0], sp.Shutdown(ctx))
		}
	})
	wg.Go(func() {
		errs[1] = append(errs[1], s.mp.Shutdown(ctx))
	})
	wg.Go(func() {
		errs[2] = append(errs[2], s.lp.Shutdown(ctx))
		for _, lp := range s.logProcessors {
			errs[2] = append(errs[2], lp.Shutdown(ctx))
		}
	})
	wg.Wait()
	return joinDistinct(append(append(errs[0], errs[1]...), errs[2]...))
}

// joinDistinct joins the non-nil errors, each message once: a context
// error reported by a provider and again by its processors is one error.
func joinDistinct(errs []error) error {
	var out []error
	seen := map[string]bool{}
	for _, err := range errs {
		if err == nil || seen[err.Error()] {
			continue
		}
		seen[err.Error()] = true
		out = append(out, err)
	}
	return errors.Join(out...)
}

// errorLogger is the OpenTelemetry error handler Setup registers: errors go
// to a slog logger, not to standard error. Their text can quote request
// data (a malformed baggage header), so it is cleaned and capped.
type errorLogger struct{ l *slog.Logger }

func (e errorLogger) Handle(err error) {
	l := e.l
	if l == nil {
		l = slog.Default()
	}
	l.Warn("opentelemetry: "+clean(err.Error(), 512), slog.String("component", "reprokit/tracing"))
}
