package tracing

import (
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// SetupOption configures [Setup]. It is a separate type from [Option],
// which configures the middleware, so that each function takes only the
// options that concern it.
type SetupOption interface {
	applySetup(*setupConfig)
}

type setupOptionFunc func(*setupConfig)

func (f setupOptionFunc) applySetup(c *setupConfig) { f(c) }

// setupConfig is the resolved set of setup options.
type setupConfig struct {
	lookup    func(string) (string, bool)
	resource  resourceSettings
	sampler   sdktrace.Sampler // nil: from OTEL_TRACES_SAMPLER
	console   io.Writer
	global    bool
	dst       *Providers
	protocols map[string]OTLPExporters
	logger    *slog.Logger // nil: slog.Default() when an error is logged

	// Exporters passed in options; a non-nil slice replaces the
	// exporters of OTEL_*_EXPORTER for that signal.
	spanExporters   []sdktrace.SpanExporter
	metricExporters []sdkmetric.Exporter
	metricReaders   []sdkmetric.Reader
	logExporters    []sdklog.Exporter
}

func newSetupConfig(opts []SetupOption) *setupConfig {
	c := &setupConfig{
		lookup:    os.LookupEnv,
		console:   os.Stdout,
		global:    true,
		protocols: map[string]OTLPExporters{},
	}
	c.resource.build = debug.ReadBuildInfo
	for _, o := range opts {
		if o != nil {
			o.applySetup(c)
		}
	}
	return c
}

// WithServiceName sets the service.name resource attribute. It is a
// default in code: OTEL_SERVICE_NAME, then a service.name in
// OTEL_RESOURCE_ATTRIBUTES, take precedence, so operators can rename a
// service without a rebuild. Without any of the three the name is
// "unknown_service:" and the executable's name, as the specification
// says. An empty name is ignored.
func WithServiceName(name string) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if name != "" {
			c.resource.name = strings.ToValidUTF8(name, "\uFFFD")
		}
	})
}

// WithServiceVersion sets the service.version resource attribute. A
// service.version in OTEL_RESOURCE_ATTRIBUTES takes precedence. By
// default it is the main module's version from the build information, or
// for a build from a work tree ("(devel)") "devel-" and the first 12
// digits of the VCS revision, with "+dirty" when the tree had changes;
// when neither is known the attribute is left out. An empty version is
// ignored.
func WithServiceVersion(version string) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if version != "" {
			c.resource.version = strings.ToValidUTF8(version, "\uFFFD")
		}
	})
}

// WithEnvironment sets the deployment.environment.name resource
// attribute, such as "production" or "staging". A
// deployment.environment.name in OTEL_RESOURCE_ATTRIBUTES takes
// precedence. By default the attribute is left out. An empty name is
// ignored.
func WithEnvironment(name string) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if name != "" {
			c.resource.env = strings.ToValidUTF8(name, "\uFFFD")
		}
	})
}

// WithEnvLookup replaces the function through which Setup reads the
// OTEL_* variables, so a test or a program with its own configuration
// source needs no process environment. It has the signature of
// os.LookupEnv, the default. A nil function is ignored.
//
// The SDK itself reads a few variables straight from the process
// environment, such as OTEL_METRICS_EXEMPLAR_FILTER; Setup passes every
// setting it reads explicitly, so those it reads win.
func WithEnvLookup(lookup func(name string) (string, bool)) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if lookup != nil {
			c.lookup = lookup
		}
	})
}

// WithSpanExporter makes the tracer provider export to e, through a batch
// processor configured by OTEL_BSP_*. Exporters passed in options replace
// those that OTEL_TRACES_EXPORTER selects, which is then not read: a test
// that passes an in-memory exporter sends nothing to a collector by
// accident. Pass it several times for several exporters. The exporter is
// shut down with the provider; if Setup fails it is left untouched. A nil
// exporter is ignored.
func WithSpanExporter(e sdktrace.SpanExporter) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if e != nil {
			c.spanExporters = append(c.spanExporters, e)
		}
	})
}

// WithMetricExporter makes the meter provider export to e through a
// periodic reader configured by OTEL_METRIC_EXPORT_INTERVAL and
// OTEL_METRIC_EXPORT_TIMEOUT. Like [WithMetricReader], it replaces the
// exporters that OTEL_METRICS_EXPORTER selects, which is then not read.
// A nil exporter is ignored.
func WithMetricExporter(e sdkmetric.Exporter) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if e != nil {
			c.metricExporters = append(c.metricExporters, e)
		}
	})
}

// WithMetricReader registers rd with the meter provider, such as a
// sdkmetric.ManualReader in a test or a Prometheus exporter. Like
// [WithMetricExporter], it replaces the exporters that
// OTEL_METRICS_EXPORTER selects, which is then not read. A reader can be
// registered with one provider only. A nil reader is ignored.
func WithMetricReader(rd sdkmetric.Reader) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if rd != nil {
			c.metricReaders = append(c.metricReaders, rd)
		}
	})
}

// WithLogExporter makes the logger provider export to e, through a batch
// processor configured by OTEL_BLRP_*. It replaces the exporters that
// OTEL_LOGS_EXPORTER selects, which is then not read. A nil exporter is
// ignored.
func WithLogExporter(e sdklog.Exporter) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if e != nil {
			c.logExporters = append(c.logExporters, e)
		}
	})
}

// WithSampler sets the sampler of the tracer provider. It overrides
// OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, which are then not
// read. By default the sampler is the one those variables select, or
// parentbased_always_on. A nil sampler is ignored.
func WithSampler(s sdktrace.Sampler) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if s != nil {
			c.sampler = s
		}
	})
}

// WithConsoleWriter sets where the console exporters write, when an
// OTEL_*_EXPORTER variable selects "console". The default is os.Stdout,
// written to only because the variable asked for it. The three exporters
// share w and never write to it at the same time. A nil writer is ignored.
func WithConsoleWriter(w io.Writer) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if w != nil {
			c.console = w
		}
	})
}

// WithoutGlobal keeps Setup from registering what it builds as the global
// tracer, meter and logger providers and text map propagator. Use it with
// [WithProviders] to get them. By default they are registered.
func WithoutGlobal() SetupOption {
	return setupOptionFunc(func(c *setupConfig) { c.global = false })
}

// WithProviders makes Setup store what it builds in *dst, whether or not
// it registers them globally. dst is written only when Setup succeeds. A
// nil dst is ignored.
func WithProviders(dst *Providers) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if dst != nil {
			c.dst = dst
		}
	})
}

// WithOTLPProtocol makes protocol available as a value of
// OTEL_EXPORTER_OTLP_PROTOCOL and its per-signal forms, with e making the
// exporters. Package grpcdiag provides "grpc" this way, so that only a
// program that asks for it links gRPC. It can also replace the built-in
// "http/protobuf". The protocol name is matched in any case; the variable
// still chooses, and the default remains http/protobuf. An empty name is
// ignored.
func WithOTLPProtocol(protocol string, e OTLPExporters) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if protocol != "" {
			c.protocols[strings.ToLower(protocol)] = e
		}
	})
}

// WithLogger sets where OpenTelemetry's own errors go (an export that
// failed, malformed baggage on a request) when Setup registers the global
// providers: Setup routes the global error handler there, as a warning
// with the error text made safe to log. By default it is slog.Default(),
// looked up when an error is logged; OpenTelemetry's own default writes
// to standard error through package log. A nil logger is ignored.
func WithLogger(l *slog.Logger) SetupOption {
	return setupOptionFunc(func(c *setupConfig) {
		if l != nil {
			c.logger = l
		}
	})
}
