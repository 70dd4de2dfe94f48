package grpcdiag

import (
	"log/slog"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/tracing"
)

// Option configures the interceptors. The same options are taken by every
// constructor of this package; an option that does not concern one side
// (the server's trust policy on a client, say) is ignored there.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is the resolved set of options. It is read-only once built. Each
// concern of the package adds its own fields here and its own WithX option,
// so one constructor call configures all of them.
type config struct {
	correlation []correlation.Option // in the order given, across calls
	logger      *slog.Logger         // nil means slog.Default() at the time of logging
	traced      bool                 // WithTracing was given
	tracing     []tracing.Option     // in the order given, across calls
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// log returns the logger for the package's own warnings.
func (c *config) log() *slog.Logger {
	if c.logger != nil {
		return c.logger
	}
	return slog.Default()
}

// WithCorrelation configures the correlation ID, which is always on: opts
// are the options of package correlation, applied in order after those of
// any earlier WithCorrelation. The ones that matter here are
// [correlation.WithHeader] (its lower-case form is the metadata key; see
// [DefaultMetadataKey]), [correlation.WithValidator],
// [correlation.WithTrustIncoming], [correlation.WithTrustedProxies] (matched
// against the gRPC peer address), [correlation.WithGenerator] and
// [correlation.WithStats], without which the counts are kept but cannot be
// read. Client interceptors read only the header.
// [correlation.WithAcceptHeaders] has no effect: only the main key is read.
// Nil options are ignored. By default the correlation package's own
// defaults apply.
func WithCorrelation(opts ...correlation.Option) Option {
	return optionFunc(func(c *config) {
		c.correlation = append(c.correlation, opts...)
	})
}

// WithLogger sets the logger for the package's own warnings, such as a
// response header that could not be set or a header name that is not a
// valid metadata key. It never receives an ID that was refused. A nil
// logger is ignored; by default [slog.Default] is used, as it is when the
// warning is written.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithTracing turns on OpenTelemetry spans and the rpc.server.duration and
// rpc.client.duration metrics, configured by opts, the options of package
// tracing, applied in order after those of any earlier WithTracing. The
// ones that matter here are [tracing.WithTracerProvider] and
// [tracing.WithMeterProvider] (by default the global providers, looked up
// when the interceptor is built), [tracing.WithPropagator] (by default
// [tracing.DefaultPropagator]), and, on the server, [tracing.WithPublicEndpoint]
// and [tracing.WithTrustedProxies] (matched against the gRPC peer address),
// so one set of options configures the HTTP middleware and the gRPC
// interceptors alike. The options that concern HTTP only (routes, filters,
// headers) have no effect. Nil options are ignored.
//
// Without WithTracing, which is the default, the interceptors do no
// tracing work at all: no span, no metric, no propagation. See the package
// documentation for what is recorded.
func WithTracing(opts ...tracing.Option) Option {
	return optionFunc(func(c *config) {
		c.traced = true
		c.tracing = append(c.tracing, opts...)
	})
}
