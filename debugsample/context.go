package debugsample

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/baggage"
)

// ctxKey is the context key of a request's debug state. Only this package
// reads it; others use FromContext.
type ctxKey struct{}

// runContext is the context node that carries a request's debug state. It
// is its own type, rather than context.WithValue, so that the node and the
// state are one allocation and the log handler finds the state with a type
// assertion when the node is the context's top, as it is in a handler.
type runContext struct {
	context.Context
	Run
}

func (c *runContext) Value(key any) any {
	if key == (ctxKey{}) {
		return &c.Run
	}
	return c.Context.Value(key)
}

func (c *runContext) String() string { return "debugsample.WithMode(" + c.mode.String() + ")" }

// Run is the debug state of one request, from [Sampler.Begin] to
// [Run.Finish]: its mode, and in buffered mode its buffer. A Run is safe
// for concurrent use: every goroutine of the request may log through it.
type Run struct {
	mode   Mode
	reason Reason
	buf    *buffer // Buffered only
}

// runFrom returns the Run that ctx carries, or nil.
func runFrom(ctx context.Context) *Run {
	if c, ok := ctx.(*runContext); ok {
		return &c.Run
	}
	if ctx == nil {
		return nil
	}
	r, _ := ctx.Value(ctxKey{}).(*Run)
	return r
}

// Begin starts the debug state of a request decided d and returns the
// handler's context, which carries it, and the Run to finish when the
// request ends. It is the second half of the per-request step, after
// [Sampler.Decide].
//
// For a sampled decision the context's baggage gets the member
// [BaggageKey] naming the mode, so that outgoing calls through an
// OpenTelemetry propagator (tracing.NewTransport, gRPC) carry the
// decision. A debug member the request brought and that was not honoured
// is removed. Begin costs one allocation for an off or live request, two
// for a buffered one (its buffer grows when the first record arrives), and
// more to change the baggage.
func (s *Sampler) Begin(ctx context.Context, d Decision) (context.Context, *Run) {
	switch {
	case d.Mode != Off:
		ctx = withMember(ctx, d.Mode)
	case d.stripBaggage:
		ctx = withoutMember(ctx)
	}
	c := &runContext{Context: ctx, Run: Run{mode: d.Mode, reason: d.Reason}}
	if d.Mode == Buffered {
		c.buf = newBuffer(s.cfg)
	}
	if d.Mode != Off {
		track(c)
	}
	return c, &c.Run
}

// Decision returns the mode of the request and what decided it.
func (r *Run) Decision() Decision { return Decision{Mode: r.mode, Reason: r.reason} }

// Finish ends the request: in buffered mode, the buffer is flushed if the
// request failed and discarded otherwise, and records logged later on the
// request's context are then written or dropped accordingly. The request
// failed if panicked is true, if the failure predicate says so of status
// ([WithFailure], by default status ≥ 500), or if it took longer than the
// latency threshold ([WithLatencyThreshold]). It reports whether the
// request counted as failed. Finish does nothing for off and live
// requests, and nothing the second time.
func (r *Run) Finish(req *http.Request, status int, panicked bool) bool {
	if r == nil || r.buf == nil {
		return false
	}
	cfg := r.buf.cfg
	failed := panicked || cfg.failed(req, status) ||
		(cfg.slow > 0 && cfg.now().Sub(r.buf.start) > cfg.slow)
	r.buf.end(failed)
	return failed
}

// NewContext returns a copy of ctx whose debug mode is m, for work that
// does not start with a request, such as a background job that should log
// live. A buffered context made this way keeps at most the default buffer
// ([DefaultBufferRecords], [DefaultBufferBytes]) until [Flush] writes it,
// and counts into no Stats. It panics if ctx is nil.
func NewContext(ctx context.Context, m Mode) context.Context {
	if ctx == nil {
		panic("debugsample: NewContext called with a nil context")
	}
	c := &runContext{Context: ctx, Run: Run{mode: m, reason: ReasonContext}}
	if m == Buffered {
		c.buf = newBuffer(defaultConfig)
	}
	if m != Off {
		track(c)
	}
	return c
}

// defaultConfig backs NewContext. It is never changed.
var defaultConfig = newConfig(nil)

// FromContext returns the debug decision ctx carries and reports whether
// it carries one. A context without one is off for [NewLogHandler]. It is
// safe on a nil ctx and never allocates.
func FromContext(ctx context.Context) (Decision, bool) {
	r := runFrom(ctx)
	if r == nil {
		return Decision{}, false
	}
	return r.Decision(), true
}

// Flush writes the debug records that the buffered request of ctx has
// kept so far, in order, each marked debug_buffered=true, and returns how
// many it wrote. Records logged afterwards are buffered again, so a later
// failure writes only those: no record is written twice. Flush does
// nothing, and returns 0, on a context that is not buffered or whose
// request has ended.
func Flush(ctx context.Context) int {
	r := runFrom(ctx)
	if r == nil || r.buf == nil {
		return 0
	}
	return r.buf.flush()
}

func withMember(ctx context.Context, m Mode) context.Context {
	member, err := baggage.NewMemberRaw(BaggageKey, m.String())
	if err != nil {
		return ctx
	}
	b, err := baggage.FromContext(ctx).SetMember(member)
	if err != nil {
		return ctx // over the baggage limits: the decision stays local
	}
	return baggage.ContextWithBaggage(ctx, b)
}

func withoutMember(ctx context.Context) context.Context {
	b := baggage.FromContext(ctx)
	if b.Member(BaggageKey).Key() == "" {
		return ctx
	}
	return baggage.ContextWithBaggage(ctx, b.DeleteMember(BaggageKey))
}
