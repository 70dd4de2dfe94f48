package debugsample

import (
	"net/http"

	"github.com/reprokit/reprokit/flags"
	"github.com/reprokit/reprokit/internal/httpreq"
	"github.com/reprokit/reprokit/internal/respwriter"
)

// NewMiddleware returns middleware that decides the debug mode of every
// request ([Sampler.Decide]) and puts it in the request's context
// ([Sampler.Begin]), where [NewLogHandler], [FromContext], [Flush] and
// [TraceSampler] find it. It belongs after correlation's and tracing's
// middleware, whose IDs the decision is drawn from.
//
// On a buffered request the middleware watches the response status
// through a writer wrapper (or the one an outer layer already put in
// place) and, when the handler returns or panics, flushes or discards the
// buffer ([Run.Finish]); a panic continues up the stack untouched. Off and
// live requests get the writer as it is. The request body and everything
// the handler sees pass through untouched, save the context.
func NewMiddleware(opts ...Option) func(http.Handler) http.Handler {
	s := NewSampler(opts...)
	return func(next http.Handler) http.Handler {
		return &handler{s: s, next: next}
	}
}

// NewHandler wraps h in the middleware of [NewMiddleware].
func NewHandler(h http.Handler, opts ...Option) http.Handler {
	return NewMiddleware(opts...)(h)
}

// Handler wraps next in the middleware of [NewMiddleware] with this
// Sampler, for when the Sampler is also used elsewhere, such as with
// [Sampler.PreStart].
func (s *Sampler) Handler(next http.Handler) http.Handler {
	return &handler{s: s, next: next}
}

type handler struct {
	s    *Sampler
	next http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if eval := h.s.cfg.evaluation; eval != nil && h.s.cfg.flags != nil {
		if _, ok := flags.EvaluationFromContext(ctx); !ok {
			ctx = flags.WithEvaluation(ctx, eval(r))
		}
	}
	d := h.s.decide(r, ctx)
	ctx, run := h.s.Begin(ctx, d)
	outer := r
	r = r.WithContext(ctx)
	defer httpreq.PatternBack(outer, r)
	if d.Mode != Buffered {
		h.next.ServeHTTP(w, r)
		return
	}
	ww := respwriter.Of(w)
	if ww == nil {
		w = respwriter.Wrap(w, nil)
		ww = respwriter.Of(w)
	}
	returned := false
	defer func() {
		// No recover: a panic (or runtime.Goexit) goes on with its
		// stack intact, and counts as a failure.
		status := ww.Status()
		if status == 0 && !ww.Hijacked() {
			status = http.StatusOK // what net/http sends for a handler that wrote nothing
		}
		run.Finish(r, status, !returned)
	}()
	h.next.ServeHTTP(w, r)
	returned = true
}
