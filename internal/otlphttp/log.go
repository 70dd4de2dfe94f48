package otlphttp

import (
	"context"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// LogExporter sends log records to an OTLP/HTTP logs endpoint, one request
// per Export call. It is safe for concurrent use.
type LogExporter struct {
	c *client
}

var _ sdklog.Exporter = (*LogExporter)(nil)

// NewLogExporter returns an exporter for cfg, or an error naming the
// Config field that is invalid. It sends nothing until Export.
func NewLogExporter(cfg Config) (*LogExporter, error) {
	c, err := newClient(cfg, sdklog.ErrExporterShutdown)
	if err != nil {
		return nil, err
	}
	return &LogExporter{c: c}, nil
}

// Export sends records, retrying as the package doc describes, and returns
// once they are accepted or the export failed. records is neither kept nor
// modified. An empty batch sends nothing. After Shutdown it returns an
// error matching ErrShutdown and sdklog.ErrExporterShutdown.
func (e *LogExporter) Export(ctx context.Context, records []sdklog.Record) error {
	return e.c.export(ctx, func() ([]byte, error) {
		rl := resourceLogs(records)
		if len(rl) == 0 {
			return nil, nil
		}
		return encodeRequest(rl)
	})
}

// ForceFlush does nothing, as the exporter holds no records between calls;
// it returns ctx's error if ctx is done.
func (e *LogExporter) ForceFlush(ctx context.Context) error { return ctx.Err() }

// Shutdown refuses further exports, waits for those in flight until ctx
// ends, aborts any still running, and closes the idle connections of the
// exporter's own client. Only the first call does anything; it returns
// ctx's error if it had to abort exports.
func (e *LogExporter) Shutdown(ctx context.Context) error { return e.c.shutdown(ctx) }

// Stats returns what the exporter has done so far.
func (e *LogExporter) Stats() Stats { return e.c.stats.snapshot() }
