package capture

import (
	"context"
	"net/http"
	"time"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/internal/ratecap"
	"go.opentelemetry.io/otel/trace"
)

// A Capturer is the per-request step of the middleware of
// [NewMiddleware], for code that builds records of its own: the gRPC
// interceptors of package grpcdiag, and stacks that fuse reprokit's
// layers. It decides which requests are captured (Select, Failed) and
// completes and hands on the records the caller builds (Emit), with the
// same policy, rate cap, Redactor, environment and counts as the
// middleware. A Capturer is safe for concurrent use.
type Capturer struct {
	sink Sink
	cfg  *config
	cap  ratecap.Bucket
}

// NewCapturer returns a Capturer that hands records to sink, configured
// by the options of [NewMiddleware]. A nil sink panics.
func NewCapturer(sink Sink, opts ...Option) *Capturer {
	if sink == nil {
		panic("capture: nil Sink")
	}
	return &Capturer{sink: sink, cfg: newConfig(opts)}
}

// Selection is what [Capturer.Select] decided for a request.
type Selection struct {
	// Reason is why the request is captured, ReasonDebug or ReasonRate,
	// or "" if it is not (yet).
	Reason string
	// OnFailure reports whether a request not captured is to be captured
	// if it fails: its request body must be kept until then.
	OnFailure bool

	perSecond float64
}

// Active reports whether the request needs capturing work: it is
// captured, or may be if it fails. An inactive request must cost
// nothing more.
func (s Selection) Active() bool { return s.Reason != "" || s.OnFailure }

// Select decides, when a request starts, whether it is captured: a live
// debug request (ctx, by package debugsample) or one drawn by the rate of
// the policy or of the first rule r matches, within the rate cap (a
// token is taken); and whether the on-failure mode is on. r is used only
// to match rules; nil matches none. It does not allocate.
func (c *Capturer) Select(ctx context.Context, r *http.Request) Selection {
	pol := c.cfg.policyIn(ctx)
	sel := Selection{OnFailure: pol.onFailure, perSecond: pol.perSecond}
	switch {
	case c.cfg.debug && isLive(ctx):
		sel.Reason = ReasonDebug
	case r != nil:
		if rate := pol.rules.rate(r, pol.rate); rate > 0 && debugsample.Draw(ctx) < rate {
			sel.Reason = ReasonRate
		}
	case pol.rate > 0 && debugsample.Draw(ctx) < pol.rate:
		sel.Reason = ReasonRate
	}
	if sel.Reason != "" && !c.allow(sel.perSecond) {
		sel.Reason = ""
	}
	return sel
}

func isLive(ctx context.Context) bool {
	d, ok := debugsample.FromContext(ctx)
	return ok && d.Mode == debugsample.Live
}

// Failed is called when a request that sel did not capture has failed
// (a status of 500 or more, a panic, a gRPC server error). It reports
// whether it is to be captured, which it is in on-failure mode and within
// the rate cap, and then sets sel.Reason to ReasonFailure.
func (c *Capturer) Failed(sel *Selection) bool {
	if sel.Reason != "" {
		return true
	}
	if !sel.OnFailure || !c.allow(sel.perSecond) {
		return false
	}
	sel.Reason = ReasonFailure
	return true
}

// allow takes a token from the rate cap, counting a refusal.
func (c *Capturer) allow(perSecond float64) bool {
	if c.cap.Allow(c.cfg.now(), perSecond) {
		return true
	}
	c.cfg.stats.rateCapped.Add(1)
	return false
}

// Redactor returns the Redactor every value of a record must go through
// before it is given to Emit.
func (c *Capturer) Redactor() *Redactor { return c.cfg.redactor }

// BodyLimit returns how many bytes of each body a record keeps.
func (c *Capturer) BodyLimit() int { return c.cfg.limit }

// Now returns the time by the Capturer's clock (WithClock), for the
// Start and Duration of records.
func (c *Capturer) Now() time.Time { return c.cfg.now() }

// Emit completes rec, which the caller built and redacted, and hands it
// to the sink: it sets Schema, Kind (KindHTTP) and ID when they are
// empty, the correlation ID and the span's trace and span IDs from ctx
// when they are empty, the flags in force (WithFlags) and the
// environment (WithEnv). An error or a panic of the sink is counted in
// Stats, never returned: the request it came from must not see it. rec
// must not be modified afterwards.
func (c *Capturer) Emit(ctx context.Context, rec *Record) {
	if rec.Schema == "" {
		rec.Schema = Schema
	}
	if rec.Kind == "" {
		rec.Kind = KindHTTP
	}
	if rec.ID == "" {
		rec.ID = newRecordID()
	}
	if rec.CorrelationID == "" {
		rec.CorrelationID, _ = correlation.FromContext(ctx)
	}
	if rec.TraceID == "" {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			rec.TraceID, rec.SpanID = sc.TraceID().String(), sc.SpanID().String()
		}
	}
	if set := c.cfg.flags; set != nil && rec.Flags == nil {
		rec.Flags = set.Snapshot().Flags
	}
	if c.cfg.env != nil && rec.EnvID == "" {
		if env := c.cfg.env(); env != nil {
			rec.EnvID, rec.Env = env.ID, env
		}
	}
	defer func() {
		if p := recover(); p != nil {
			c.cfg.stats.sinkPanics.Add(1)
			c.cfg.logger.Warn("capture: sink panicked; record dropped", "record_id", rec.ID)
		}
	}()
	c.cfg.stats.captured[reasonIndex(rec.Reason)].Add(1)
	if err := c.sink.Write(context.WithoutCancel(ctx), rec); err != nil {
		c.cfg.stats.sinkErrors.Add(1)
	}
}
