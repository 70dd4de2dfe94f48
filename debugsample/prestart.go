package debugsample

import (
	"context"
	"net/http"
)

// preKey is the context key of a classification made by PreStart.
type preKey struct{}

// pre is what PreStart leaves in the context: the classification, and the
// Sampler that made it (another Sampler's is not reused).
type pre struct {
	s *Sampler
	c classification
}

// PreStart classifies r before the server span starts, and returns ctx
// with the result, for two readers: [TraceSampler], which can then record
// the server span of a request that will be live (a valid token, trusted
// live baggage, or a live rate or rule whose draw on the new span's trace
// ID falls in it), and the middleware of this Sampler ([Sampler.Handler]),
// which completes the same classification instead of making it again.
//
// Pass it to tracing.WithPreStart, so that tracing's middleware calls it
// after extracting the caller's trace context and before it starts the
// span:
//
//	s := debugsample.NewSampler(opts...)
//	handler := tracing.NewHandler(s.Handler(mux), tracing.WithPreStart(s.PreStart))
//
// It allocates one context node. The rate cap is applied only when the
// middleware completes the decision, so a request over the cap can have
// its server span recorded while its debug lines are not written.
func (s *Sampler) PreStart(r *http.Request, ctx context.Context) context.Context {
	if !s.preStarted.Load() {
		s.preStarted.Store(true)
	}
	return context.WithValue(ctx, preKey{}, &pre{s: s, c: s.classify(r, ctx)})
}

// preFrom returns the classification PreStart made for s, if any.
func preFrom(ctx context.Context, s *Sampler) (classification, bool) {
	if p, ok := ctx.Value(preKey{}).(*pre); ok && p.s == s {
		return p.c, true
	}
	return classification{}, false
}

// preLive reports whether the classification PreStart left in ctx makes a
// request whose trace ID hashes to h live.
func preLive(ctx context.Context, h func() uint64) bool {
	p, ok := ctx.Value(preKey{}).(*pre)
	if !ok {
		return false
	}
	if p.c.d.Mode != Off {
		return p.c.d.Mode == Live
	}
	return p.c.live > 0 && unit(h()) < p.c.live
}
