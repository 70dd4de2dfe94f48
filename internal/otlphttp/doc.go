// Package otlphttp exports traces, metrics and logs over OTLP/HTTP with
// protobuf encoding, without linking gRPC.
//
// # Why it exists
//
// The official exporters (otlptracehttp, otlpmetrichttp, otlploghttp)
// import go.opentelemetry.io/proto/otlp/collector/..., which pulls in
// grpc-gateway and all of gRPC, and reprokit promises that an HTTP-only
// service links no gRPC. The data-model packages
// go.opentelemetry.io/proto/otlp/{common,resource,trace,metrics,logs}/v1 do
// not import gRPC, so this package transforms the SDK's data into those
// messages, marshals each ResourceSpans, ResourceMetrics or ResourceLogs,
// and writes them as field 1 of the Export*ServiceRequest with protowire:
// the same bytes the collector's request message would marshal to.
//
// # Exporters
//
// [NewTraceExporter], [NewMetricExporter] and [NewLogExporter] return
// exporters for the OpenTelemetry SDK's span processors, metric readers and
// log processors. Each takes a [Config] whose Endpoint is the signal's full
// URL, such as "http://localhost:4318/v1/traces". All are safe for
// concurrent use, leave no goroutine behind after Shutdown, and after it
// refuse to export with an error matching [ErrShutdown].
//
// # Requests and retries
//
// Each Export is one POST with Content-Type application/x-protobuf, the
// configured headers, a [UserAgent] and, with gzip compression,
// Content-Encoding gzip. A 2xx answer is success, partial success included
// (counted in [Stats], not an error). 429, 502, 503, 504 and network errors
// are retried with exponential backoff and jitter, waiting at least as long
// as a Retry-After header asks; other statuses are final. Retries stop when
// [Config.Timeout], the caller's deadline or Shutdown ends the export, and
// a wait that would pass the deadline is not started.
//
// # Untrusted responses
//
// At most 64 KiB of a response body is read, and a little more drained so
// the connection can be reused. Text quoted from a response in an
// [HTTPError] is sanitized: configured header values are redacted, control
// characters and invalid UTF-8 replaced, and the text cut to
// [MaxErrorMessage] bytes. Header values never appear in errors, and
// [Config] redacts them when printed or logged.
//
// The package is internal; tracing.Setup builds its exporters from the
// standard OTEL_* variables.
package otlphttp
