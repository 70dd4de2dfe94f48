package tracing

import (
	"context"
	"encoding/hex"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Default attribute keys of [NewLogHandler].
const (
	DefaultTraceIDKey = "trace_id"
	DefaultSpanIDKey  = "span_id"
)

// NewLogHandler returns a slog.Handler that adds the trace ID and span ID
// of the span in the record's context, when there is a valid one, as the
// string attributes trace_id and span_id (lower-case hex, as in
// traceparent), and passes the record to next. Other records pass
// unchanged.
//
// Enabled is next's own. Handle costs one allocation for the two IDs'
// text. As with correlation.NewLogHandler, the attributes land inside any
// group opened with WithGroup. NewLogHandler panics if next is nil.
func NewLogHandler(next slog.Handler) slog.Handler {
	if next == nil {
		panic("tracing: NewLogHandler called with a nil handler")
	}
	return &logHandler{next: next}
}

type logHandler struct {
	next slog.Handler
}

var _ slog.Handler = (*logHandler)(nil)

func (h *logHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			tid, sid := sc.TraceID(), sc.SpanID()
			var buf [48]byte
			hex.Encode(buf[:32], tid[:])
			hex.Encode(buf[32:], sid[:])
			ids := string(buf[:]) // one allocation for both
			r = r.Clone()
			r.AddAttrs(slog.String(DefaultTraceIDKey, ids[:32]), slog.String(DefaultSpanIDKey, ids[32:]))
		}
	}
	return h.next.Handle(ctx, r)
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logHandler{next: h.next.WithAttrs(attrs)}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{next: h.next.WithGroup(name)}
}
