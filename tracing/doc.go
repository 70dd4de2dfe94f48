// Package tracing gives a service OpenTelemetry traces, metrics and logs
// that share IDs, set up in one call from the standard OTEL_* variables,
// with lean HTTP server and client spans and trace IDs on every log line.
//
// # Setup
//
// [Setup] builds a tracer provider, a meter provider, a logger provider and
// the W3C trace context and baggage propagator, configured by the standard
// OTEL_* environment variables, and registers them globally:
//
//	shutdown, err := tracing.Setup(ctx, tracing.WithServiceName("checkout"))
//	if err != nil {
//		return err // names every bad variable
//	}
//	defer shutdown(context.WithoutCancel(ctx)) // flushes what is buffered
//	logger := slog.New(tracing.OTLPLogHandler("checkout"))
//
// With no variable set, the three signals go over OTLP/HTTP to
// http://localhost:4318, where an OpenTelemetry Collector usually listens.
// OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER
// choose otlp, console (to standard output, or [WithConsoleWriter]) or
// none; OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS, _TIMEOUT, _COMPRESSION
// and _PROTOCOL, each also per signal, configure OTLP;
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE chooses cumulative,
// delta or lowmemory temporality for metrics; OTEL_SERVICE_NAME
// and OTEL_RESOURCE_ATTRIBUTES describe the service; OTEL_TRACES_SAMPLER
// picks the sampler; OTEL_BSP_*, OTEL_BLRP_*, OTEL_METRIC_EXPORT_* and the
// OTEL_*_LIMIT variables tune the processors; OTEL_SDK_DISABLED=true turns
// it all off. A value Setup cannot use is an error, an [*EnvError] naming
// the variable, never a silent fallback to a default; the values of
// OTEL_EXPORTER_OTLP_HEADERS, which hold credentials, are never shown.
//
// Only OTLP over HTTP is built in, so a program that does not ask for gRPC
// links none: package grpcdiag adds OTEL_EXPORTER_OTLP_PROTOCOL=grpc
// through [WithOTLPProtocol].
//
// Code can set defaults that the variables override ([WithServiceName],
// [WithServiceVersion], [WithEnvironment]), or replace what the variables
// would choose ([WithSpanExporter], [WithMetricReader], [WithLogExporter],
// [WithSampler]). Tests pass [WithEnvLookup] instead of setting the process
// environment, and [WithoutGlobal] with [WithProviders] to keep the
// providers to themselves:
//
//	env := map[string]string{"OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"}
//	var p tracing.Providers
//	shutdown, err := tracing.Setup(ctx,
//		tracing.WithEnvLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok }),
//		tracing.WithSpanExporter(exporter), // replaces OTEL_TRACES_EXPORTER
//		tracing.WithoutGlobal(), tracing.WithProviders(&p))
//	logger := slog.New(p.LogHandler("test"))
//
// Log records made through [Providers.LogHandler] or [OTLPLogHandler]
// carry the trace and span IDs of their context, so a backend links them
// to their traces.
//
// # Server spans
//
// [NewMiddleware] starts one server span per request on the OpenTelemetry
// API, named "{method} {route}" (the route is the http.ServeMux pattern,
// or what [WithRouteFunc] returns), with the attributes the HTTP semantic
// conventions require, the correlation ID of package correlation when its
// middleware runs first, and the response status (5xx marks the span as an
// error). It records http.server.request.duration with bounded attributes
// only: the method (unknown ones become _OTHER), scheme, protocol version,
// route template and status code, never a raw path, user agent or peer
// port. A panic is recorded as an exception event before it continues.
//
//	handler := correlation.NewHandler(tracing.NewHandler(mux))
//
// # Trust
//
// By default the incoming traceparent is the parent of the server span.
// A server that faces the internet should not let callers choose its trace
// or its sampling: with [WithPublicEndpoint], or with [WithTrustedProxies]
// for peers outside the listed proxies, the caller's context becomes a
// span link instead and its baggage is dropped. The propagator is W3C
// trace context and baggage unless [WithPropagator] says otherwise, even
// before Setup registers a global one.
//
// Request and response headers are recorded only when named with
// [WithRequestHeaders] and [WithResponseHeaders], and then redacted:
// credential headers, names holding "token", "secret" and the like, and
// values that look like bearer tokens or JWTs become "[REDACTED]". Values
// taken from a request are made valid UTF-8 and capped in length, since
// a single invalid string makes an OTLP backend reject a whole batch.
//
// # Client spans
//
// [NewTransport] wraps outgoing requests in client spans and sends
// traceparent and baggage. The span ends when the response body is read
// to its end or closed. It composes with correlation.NewTransport in
// either order.
//
// # Logs
//
// [NewLogHandler] adds trace_id and span_id to every record logged with a
// context that holds a span:
//
//	logger := slog.New(tracing.NewLogHandler(correlation.NewLogHandler(slog.NewJSONHandler(os.Stderr, nil))))
//
// Body sizes (http.request.body.size, http.response.body.size and their
// histograms), opt-in in the conventions, are not recorded: counting the
// request body would mean wrapping it.
//
// # Cost
//
// With explicit no-op providers the middleware only propagates the
// caller's context. With the SDK, attribute and option slices are pooled,
// metric attribute sets are built once per series, and a span that is not
// sampled skips the attributes it would only have dropped.
package tracing
