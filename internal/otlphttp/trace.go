package otlphttp

import (
	"context"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TraceExporter sends spans to an OTLP/HTTP traces endpoint, one request
// per ExportSpans call. It is safe for concurrent use.
type TraceExporter struct {
	c *client
}

var _ sdktrace.SpanExporter = (*TraceExporter)(nil)

// NewTraceExporter returns an exporter for cfg, or an error naming the
// Config field that is invalid. It sends nothing until ExportSpans.
func NewTraceExporter(cfg Config) (*TraceExporter, error) {
	c, err := newClient(cfg, nil)
	if err != nil {
		return nil, err
	}
	return &TraceExporter{c: c}, nil
}

// ExportSpans sends spans, retrying as the package doc describes, and
// returns once they are accepted or the export failed. An empty batch sends
// nothing. After Shutdown it returns an error matching ErrShutdown.
func (e *TraceExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return e.c.export(ctx, func() ([]byte, error) {
		rs := resourceSpans(spans)
		if len(rs) == 0 {
			return nil, nil
		}
		return encodeRequest(rs)
	})
}

// Shutdown refuses further exports, waits for those in flight until ctx
// ends, aborts any still running, and closes the idle connections of the
// exporter's own client. Only the first call does anything; it returns
// ctx's error if it had to abort exports.
func (e *TraceExporter) Shutdown(ctx context.Context) error { return e.c.shutdown(ctx) }

// Stats returns what the exporter has done so far.
func (e *TraceExporter) Stats() Stats { return e.c.stats.snapshot() }
