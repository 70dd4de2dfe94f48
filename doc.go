// Package reprokit is the root of a library that services embed so that a
// bug seen only in production can be traced, explained and reproduced on a
// laptop.
//
// Production-only bugs live in the gaps between production and a laptop:
// data, concurrency, configuration, dependencies and scale. reprokit closes
// them from inside the service, one package per job:
//
//   - [github.com/reprokit/reprokit/correlation]: one ID per request,
//     accepted from a trusted caller or made, carried in the context,
//     echoed, stamped on every log record and sent on every outgoing call.
//   - [github.com/reprokit/reprokit/tracing]: OpenTelemetry set up from the
//     standard OTEL_* variables, server and client spans, trace and span
//     IDs on log records.
//   - [github.com/reprokit/reprokit/flags]: runtime switches that gate
//     diagnostics without a redeploy.
//   - [github.com/reprokit/reprokit/debugsample]: verbose logs for a slice
//     of live traffic, and debug logs buffered per request and flushed only
//     when that request fails.
//   - [github.com/reprokit/reprokit/capture]: redacted request and
//     response records, bounded asynchronous sinks, replay, the environment
//     each record was taken in, and, in package capturetest, test fixtures
//     built from records.
//   - [github.com/reprokit/reprokit/grpcdiag]: the same concerns as gRPC
//     interceptors. It is the only package that imports gRPC, so an
//     HTTP-only service links none.
//
// The command github.com/reprokit/reprokit/cmd/debugctl replays captures
// against a local build, inspects and exports capture files, mints debug
// tokens and compares the environments of machines and running services.
//
// # The path of one request
//
//	client ──► correlation      ID from a trusted header, else a new one; context; response header
//	           └► tracing       server span, parent from traceparent under the trust policy
//	              └► debugsample  off | buffered | live
//	                 └► capture   tee bodies up to a cap, redact, record, hand to an async sink
//	                    └► your handler ──► slog.Logger with the correlation, tracing and
//	                                        debugsample log handlers in its chain
//	                       outgoing calls ─► X-Request-ID, traceparent, debug baggage
//
// Each layer reads what the layers above it put in the context only through
// their exported FromContext functions, and every one of them is safe at its
// zero value: code that runs without the middleware sees "no ID", never a
// panic.
//
// # Trust
//
// Everything that arrives on a request is untrusted. An incoming ID is kept
// only if it passes validation and the trust policy; a refused one is
// counted and dropped, never echoed or logged.
package reprokit
