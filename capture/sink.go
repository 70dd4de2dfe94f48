package capture

import "context"

// A Sink receives the records of the middleware and of [Replay]'s
// callers. Records arrive redacted; a Sink must not modify them, and may
// keep them (the middleware does not reuse a record it has handed on).
//
// Write is called on the request's goroutine once its response is
// complete, so a Sink that does I/O should be wrapped in an [AsyncSink],
// which keeps the request path from waiting. The middleware counts an
// error or a panic of Write and goes on; neither reaches the client. A
// Sink given to the middleware must be safe for concurrent use.
//
// A Sink that holds resources has a Close(ctx) error method, which
// stores or sends what it has accepted and returns when done or when ctx
// is done.
type Sink interface {
	Write(ctx context.Context, rec *Record) error
}

// SinkFunc adapts a function to a [Sink].
type SinkFunc func(ctx context.Context, rec *Record) error

// Write calls f.
func (f SinkFunc) Write(ctx context.Context, rec *Record) error { return f(ctx, rec) }
