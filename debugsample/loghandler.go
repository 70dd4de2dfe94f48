package debugsample

import (
	"context"
	"log/slog"
	"runtime"
	"sync/atomic"
)

// NewLogHandler returns a slog.Handler that applies each request's debug
// decision to the records logged with its context, and passes the rest to
// next unchanged.
//
// Records below the threshold (slog.LevelInfo unless [WithThreshold]) are
// debug records. On an off request, or with a context that carries no
// decision, Enabled reports false for them, so a debug call costs nothing
// more than the check; work that does not start with a request gets a
// mode with [NewContext]. On a live request they go to next at once, whatever
// next's own level: the production logger can stay at Info. On a buffered
// request they are kept (see [WithBufferLimits]) with their original time,
// attributes and context, and written to next in order, each marked
// debug_buffered=true, when the request fails or [Flush] is called;
// dropped when it succeeds. After the request has ended, a record logged
// on its context (by a goroutine that outlived it) is written if the
// request was live or failed and dropped otherwise: nothing waits in a
// buffer nobody will flush. Records at or above the threshold always pass
// to next, with next's Enabled.
//
// # Where it goes in the chain
//
// Anywhere. A flushed record is written to the handler it was on its way
// to, with the context it was logged with, so the handlers after this one
// (correlation.NewLogHandler, tracing.NewLogHandler) stamp it as they
// stamp a live record, and those before it have already. The order of the
// attributes differs, not their set: placed last, just above the
// formatting handler, debug_buffered comes after the IDs; placed first,
// before them. As with the other handlers of reprokit, the marker lands
// inside any group opened with WithGroup.
//
// NewLogHandler panics if next is nil.
func NewLogHandler(next slog.Handler, opts ...LogOption) slog.Handler {
	if next == nil {
		panic("debugsample: NewLogHandler called with a nil handler")
	}
	c := logConfig{threshold: slog.LevelInfo}
	for _, o := range opts {
		if o != nil {
			o.applyLog(&c)
		}
	}
	return &logHandler{next: next, threshold: c.threshold}
}

type logHandler struct {
	next      slog.Handler
	threshold slog.Level
}

var _ slog.Handler = (*logHandler)(nil)

func (h *logHandler) Enabled(ctx context.Context, l slog.Level) bool {
	if l >= h.threshold {
		return h.next.Enabled(ctx, l)
	}
	if sampled.Load() == 0 {
		return false // no request anywhere is live or buffered
	}
	r := runFrom(ctx)
	if r == nil {
		return false
	}
	switch r.mode {
	case Live:
		return true
	case Buffered:
		return r.buf.phase.Load() != phaseDiscarded
	}
	return false
}

func (h *logHandler) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= h.threshold {
		return h.next.Handle(ctx, rec)
	}
	r := runFrom(ctx)
	if r == nil {
		return nil
	}
	switch r.mode {
	case Live:
		return h.next.Handle(ctx, rec)
	case Buffered:
		return r.buf.add(h.next, ctx, rec)
	}
	return nil
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logHandler{next: h.next.WithAttrs(attrs), threshold: h.threshold}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{next: h.next.WithGroup(name), threshold: h.threshold}
}

// sampled counts the live and buffered contexts that can still be logged
// with: a context's count is dropped by a cleanup once the garbage
// collector finds it unreachable, so a goroutine that outlives its request
// still logs through it. While the count is zero, which is the usual state
// of a service with sampling off, Enabled answers for debug records
// without looking in the context at all.
var sampled atomic.Int64

// track counts c as sampled until it is unreachable.
func track(c *runContext) {
	sampled.Add(1)
	runtime.AddCleanup(c, untrack, struct{}{})
}

func untrack(struct{}) { sampled.Add(-1) }
