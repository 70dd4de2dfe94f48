package correlation

import (
	"net/http"

	"github.com/reprokit/reprokit/internal/httpreq"
)

// NewMiddleware returns middleware that gives every request a correlation
// ID: the incoming one when it is valid and trusted, a new one otherwise
// (see [Resolver.Resolve]). Before the next handler runs, the ID is set on
// the response header and put in the request's context, where
// [FromContext], [NewLogHandler] and [NewTransport] find it.
//
// A refused ID is never echoed, logged or put in the context; the request
// the next handler sees also has the refused header removed, so code that
// reads the header directly cannot pick it up. The request body, the
// response writer and everything else pass through untouched.
func NewMiddleware(opts ...Option) func(http.Handler) http.Handler {
	res := NewResolver(opts...)
	return func(next http.Handler) http.Handler {
		return &handler{res: res, next: next}
	}
}

// NewHandler wraps h in the middleware of [NewMiddleware].
func NewHandler(h http.Handler, opts ...Option) http.Handler {
	return NewMiddleware(opts...)(h)
}

type handler struct {
	res  *Resolver
	next http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, out := h.res.ResolveRequest(r)
	ctx := newIDContext(r.Context(), id)
	// The header value shares the context node's storage: no allocation.
	// Its capacity is one, so a later Add by the handler copies it.
	w.Header()[h.res.cfg.header] = ctx.id[:]
	inner := r.WithContext(ctx)
	if out == Rejected {
		inner.Header = r.Header.Clone()
		for _, name := range h.res.cfg.accept {
			delete(inner.Header, name)
		}
	}
	h.next.ServeHTTP(w, inner)
	httpreq.PatternBack(r, inner)
}
