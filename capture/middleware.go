package capture

import (
	"net/http"
	"sync"

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
	c := NewCapturer(sink, opts...)
	return func(next http.Handler) http.Handler {
		return &handler{next: next, c: c}
	}
}

// NewHandler returns h wrapped in the middleware of [NewMiddleware].
func NewHandler(h http.Handler, sink Sink, opts ...Option) http.Handler {
	return NewMiddleware(sink, opts...)(h)
}

type handler struct {
	next http.Handler
	c    *Capturer
	pool sync.Pool // of *state
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sel := h.c.Select(r.Context(), r)
	if !sel.Active() {
		h.next.ServeHTTP(w, r)
		return
	}
	s := h.get()
	s.begin(h, w, r, sel)
	defer h.end(s, r)
	h.next.ServeHTTP(s.rw, r)
}

// end runs when the handler returns or panics: it decides whether the
// request is captured, hands the record on, gives the request its body
// back and panics again if the handler did.
func (h *handler) end(s *state, r *http.Request) {
	p := recover()
	w := respwriter.Of(s.rw)
	if s.sel.Reason != "" || (w.Status() >= 500 || p != nil) && h.c.Failed(&s.sel) {
		h.c.Emit(r.Context(), h.record(s, r, w, p))
	}
	r.Body = s.body.rc
	h.put(s)
	if p != nil {
		panic(p)
	}
}
