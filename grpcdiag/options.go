package grpcdiag

import (
	"log/slog"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
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
	debug       bool                 // WithDebugSample was given
	debugsample []debugsample.Option // in the order given, across calls
	captureSink capture.Sink         // nil without WithCapture
	capture     []capture.Option     // in the order given, across calls
	messages    int                  // WithCaptureMessages; 0 means DefaultCaptureMessages
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

// WithDebugSample turns on the debug decision of package debugsample,
// configured by opts, the options of package debugsample, applied in
// order after those of any earlier WithDebugSample. See "Debug sampling"
// in the package documentation.
//
// On the server, each call is decided by one [debugsample.Sampler], built
// when the interceptor is, and its handler's context carries the decision,
// which [debugsample.NewLogHandler] applies to the records logged with it.
// The options that matter are those of the Sampler:
// [debugsample.WithPolicy] or [debugsample.WithFlags] (rules match a
// request view of the call: method POST, path the full method, headers the
// incoming metadata), [debugsample.WithTokenKeys] and
// [debugsample.WithTokenHeader] (its lower-case form is the metadata key;
// by default x-debug-token), [debugsample.WithTrustedPeers] (matched
// against the gRPC peer address), [debugsample.WithFailure] (given the
// request view and the HTTP status of the call's status code, as the
// package documentation lists them), [debugsample.WithLatencyThreshold],
// [debugsample.WithBufferLimits], [debugsample.WithStats], without which
// the counts are kept but cannot be read, [debugsample.WithDecisionHook]
// (given the request view) and [debugsample.WithClock].
// [debugsample.WithFlagEvaluation] has no effect: it belongs to the HTTP
// middleware.
//
// On the client the options are ignored: WithDebugSample makes the client
// interceptors send the debug baggage member of the call's context
// ([debugsample.BaggageKey]) when [WithTracing] does not, so that the
// next service gets the decision.
//
// Without WithDebugSample, which is the default, the interceptors do no
// debug sampling work at all. Nil options are ignored.
func WithDebugSample(opts ...debugsample.Option) Option {
	return optionFunc(func(c *config) {
		c.debug = true
		c.debugsample = append(c.debugsample, opts...)
	})
}

// DefaultCaptureMessages is how many messages of each direction of a
// stream a capture record keeps when [WithCaptureMessages] is not given.
const DefaultCaptureMessages = 8

// WithCapture turns on the capture of the server's calls into sink,
// configured by opts, the options of package capture, applied in order
// after those of any earlier WithCapture (whose sink this one replaces):
// [capture.WithPolicy] or [capture.WithFlags] (which calls are captured;
// rules match a call as "POST /pkg.Service/Method"),
// [capture.WithDebugRequests], [capture.WithRedactor],
// [capture.WithBodyLimit] (of each message's JSON, or of a stream's JSON
// array), [capture.WithEnv], [capture.WithStats], [capture.WithLogger] and
// [capture.WithClock]. See "Capture" in the package documentation.
//
// [ServerOptions] builds one [capture.Capturer] for both interceptors, so
// unary and streaming calls share one rate cap. Records are handed to sink
// on the call's goroutine, after the handler returns; wrap a sink that
// does I/O in a [capture.AsyncSink].
//
// WithCapture is ignored on the client side. Without it, which is the
// default, the interceptors do no capture work at all. A nil sink panics;
// nil options are ignored.
func WithCapture(sink capture.Sink, opts ...capture.Option) Option {
	if sink == nil {
		panic("grpcdiag: nil capture.Sink")
	}
	return optionFunc(func(c *config) {
		c.captureSink = sink
		c.capture = append(c.capture, opts...)
	})
}

// WithCaptureMessages sets how many messages of each direction of a
// streaming call a capture record keeps: the first n received and the
// first n sent. The record counts them all and is marked truncated when
// there were more. The default is [DefaultCaptureMessages]; n <= 0 is
// ignored. It has no effect without [WithCapture], nor on unary calls,
// whose record holds their one request and one response.
func WithCaptureMessages(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.messages = n
		}
	})
}
