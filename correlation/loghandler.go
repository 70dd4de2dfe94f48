package correlation

import (
	"context"
	"log/slog"
)

// DefaultLogKey is the attribute key under which [NewLogHandler] writes the
// ID unless [WithLogKey] names another.
const DefaultLogKey = "correlation_id"

// LogOption configures [NewLogHandler].
type LogOption interface {
	applyLog(*logConfig)
}

type logOptionFunc func(*logConfig)

func (f logOptionFunc) applyLog(c *logConfig) { f(c) }

type logConfig struct {
	key string
}

// WithLogKey sets the attribute key of the ID. The default is
// [DefaultLogKey]. An empty key is ignored.
func WithLogKey(key string) LogOption {
	return logOptionFunc(func(c *logConfig) {
		if key != "" {
			c.key = key
		}
	})
}

// NewLogHandler returns a slog.Handler that adds the correlation ID of the
// record's context, if it carries one, as a string attribute and passes the
// record to next. Records logged without a context, or whose context holds
// no ID, pass unchanged. Pass the request's context to the logger
// (logger.InfoContext(r.Context(), …)) for the ID to appear.
//
// Enabled is next's own, so a disabled level costs nothing more. Handle
// adds no allocation as long as the record carries at most four attributes
// of its own (slog keeps five inline); past that, one.
//
// # Groups
//
// The ID is added as a record attribute, so it lands where the record's
// own attributes do: inside any group opened with WithGroup. Under
// logger.WithGroup("req") it is written as req.correlation_id (in JSON,
// {"req":{"correlation_id":…}}). Log queries that expect the ID at the top
// level should therefore group with slog.Group attributes on the call
// rather than with Logger.WithGroup.
//
// NewLogHandler panics if next is nil.
func NewLogHandler(next slog.Handler, opts ...LogOption) slog.Handler {
	if next == nil {
		panic("correlation: NewLogHandler called with a nil handler")
	}
	c := logConfig{key: DefaultLogKey}
	for _, o := range opts {
		if o != nil {
			o.applyLog(&c)
		}
	}
	return &logHandler{next: next, key: c.key}
}

type logHandler struct {
	next slog.Handler
	key  string
}

var _ slog.Handler = (*logHandler)(nil)

func (h *logHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := FromContext(ctx); ok {
		// Clone so that adding past the inline attributes never writes
		// into storage shared with the caller's copy of the record.
		r = r.Clone()
		r.AddAttrs(slog.String(h.key, id))
	}
	return h.next.Handle(ctx, r)
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logHandler{next: h.next.WithAttrs(attrs), key: h.key}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{next: h.next.WithGroup(name), key: h.key}
}
