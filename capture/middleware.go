package capture

import (
	"context"
	"net/http"
	"sync"

	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/internal/ratecap"
	"github.com/reprokit/reprokit/internal/respwriter"
)

// NewMiddleware returns middleware that captures the requests its policy
// selects: it tees their bodies as the handler reads and writes them,
// keeps at most the body limit of each, and once the response is
// complete redacts everything and hands the [Record] to sink. A nil sink
// panics.
//
// A request is captured when package debugsample made it live (see
// WithDebugRequests), or when it is drawn by the rate of the policy
// (WithPolicy, WithFlags) or of its first matching rule, or, in the
// policy's on-failure mode, when its response is 500 or more or its
// handler panics; and in every case only within the policy's
// MaxPerSecond. Rates are drawn as debugsample draws them
// (debugsample.Draw), from the trace ID, so that the services of a trace
// capture the same requests, and a capture rate no higher than the debug
// live rate captures requests whose debug logs were written.
//
// A request that is not selected, with on-failure mode off, goes to the
// handler as it came, at the cost of the policy lookup and no allocation.
//
// The handler sees every byte of the request however large, read when it
// reads (Expect: 100-continue and http.MaxBytesReader keep working), and
// the writer keeps Flush, Hijack, ReadFrom, Push and Unwrap (for
// http.ResponseController). The record is handed to sink on the request's
// goroutine, after the handler returns; wrap a sink that does I/O in an
// [AsyncSink]. An error or a panic of the sink is counted in [Stats] and
// never reaches the client. A handler's panic is captured as a 500 (in
// on-failure mode too) and then panics again.
func NewMiddleware(sink Sink, opts ...Option) func(http.Handler) http.Handler {
	if sink == nil {
		panic("capture: NewMiddleware with a nil Sink")
	}
	cfg := newConfig(opts)
	return func(next http.Handler) http.Handler {
		return &handler{next: next, sink: sink, cfg: cfg}
	}
}

// NewHandler returns h wrapped in the middleware of [NewMiddleware].
func NewHandler(h http.Handler, sink Sink, opts ...Option) http.Handler {
	return NewMiddleware(sink, opts...)(h)
}

type handler struct {
	next http.Handler
	sink Sink
	cfg  *config
	cap  ratecap.Bucket
	pool sync.Pool // of *state
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pol := h.cfg.policyIn(ctx)
	reason := h.selected(ctx, r, &pol)
	if reason != "" && !h.allow(&pol) {
		reason = ""
	}
	if reason == "" && !pol.onFailure {
		h.next.ServeHTTP(w, r)
		return
	}
	s := h.get()
	s.begin(h, w, r, reason)
	defer h.end(s, r, &pol)
	h.next.ServeHTTP(s.rw, r)
}

// selected returns why the request is to be captured, before the cap,
// or "".
func (h *handler) selected(ctx context.Context, r *http.Request, pol *view) string {
	if h.cfg.debug {
		if d, ok := debugsample.FromContext(ctx); ok && d.Mode == debugsample.Live {
			return ReasonDebug
		}
	}
	if rate := pol.rules.rate(r, pol.rate); rate > 0 && debugsample.Draw(ctx) < rate {
		return ReasonRate
	}
	return ""
}

// allow takes a token from the rate cap, counting a refusal.
func (h *handler) allow(pol *view) bool {
	if h.cap.Allow(h.cfg.now(), pol.perSecond) {
		return true
	}
	h.cfg.stats.rateCapped.Add(1)
	return false
}

// end runs when the handler returns or panics: it decides whether the
// request is captured, hands the record on, gives the request its body
// back and panics again if the handler did.
func (h *handler) end(s *state, r *http.Request, pol *view) {
	p := recover()
	w := respwriter.Of(s.rw)
	status := w.Status()
	if s.reason == "" && (status >= 500 || p != nil) && h.allow(pol) {
		s.reason = ReasonFailure
	}
	if s.reason != "" {
		rec := h.record(s, r, w, p)
		h.emit(r.Context(), rec)
	}
	r.Body = s.body.rc
	h.put(s)
	if p != nil {
		panic(p)
	}
}

// emit hands rec to the sink, counting an error or a panic.
func (h *handler) emit(ctx context.Context, rec *Record) {
	defer func() {
		if p := recover(); p != nil {
			h.cfg.stats.sinkPanics.Add(1)
			h.cfg.logger.Warn("capture: sink panicked; record dropped", "record_id", rec.ID)
		}
	}()
	h.cfg.stats.captured[reasonIndex(rec.Reason)].Add(1)
	if err := h.sink.Write(context.WithoutCancel(ctx), rec); err != nil {
		h.cfg.stats.sinkErrors.Add(1)
	}
}
