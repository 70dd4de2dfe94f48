// Package otlptest is an in-process OTLP/HTTP receiver for tests.
//
// [NewReceiver] starts an httptest server on 127.0.0.1 that accepts POST
// /v1/traces, /v1/metrics and /v1/logs with protobuf bodies, gzipped or
// not, decodes them with the collector's Export*ServiceRequest messages and
// keeps them for the test to inspect: [Receiver.Spans], [Receiver.Metrics],
// [Receiver.Logs], flattened helpers such as [Receiver.SpanNames], and the
// raw [Receiver.Requests] with their headers. [Receiver.RespondNext]
// scripts failures (a 503 with Retry-After, a 400, a partial success) to
// test retries, and [Receiver.WaitFor] waits for a condition without
// sleeping. The receiver closes on test cleanup.
//
// # Test code only
//
// The collector packages it decodes with
// (go.opentelemetry.io/proto/otlp/collector/...) link gRPC through
// grpc-gateway. The library promises that an HTTP-only service links no
// gRPC, so this package must be imported only from _test.go files, never
// from library code.
//
// # Usage
//
//	rcv := otlptest.NewReceiver(t)
//	exp, err := otlphttp.NewTraceExporter(otlphttp.Config{Endpoint: rcv.TracesURL()})
//	…
//	if !rcv.WaitFor(func() bool { return len(rcv.SpanNames()) == 1 }, 5*time.Second) {
//		t.Fatal("no span arrived")
//	}
package otlptest
