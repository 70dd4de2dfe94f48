package debugsample_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/flags"
	"github.com/reprokit/reprokit/tracing"
)

// stackContext returns the context a handler gets from the full stack,
// correlation → tracing (with the SDK) → debugsample, for a request that
// the policy decides.
func stackContext(b *testing.B, opts ...debugsample.Option) context.Context {
	b.Helper()
	return stackContextWith(b, func(h http.Handler) http.Handler { return debugsample.NewHandler(h, opts...) })
}

// tracedContext returns the context debugsample's middleware gets: that
// of correlation → tracing (with the SDK).
func tracedContext(b *testing.B) context.Context {
	b.Helper()
	return stackContextWith(b, func(h http.Handler) http.Handler { return h })
}

func stackContextWith(b *testing.B, mw func(http.Handler) http.Handler) context.Context {
	tp := sdktrace.NewTracerProvider()
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	var ctx context.Context
	h := correlation.NewHandler(tracing.NewHandler(mw(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ctx = r.Context() })),
		tracing.WithTracerProvider(tp), tracing.WithMeterProvider(metricnoop.NewMeterProvider())))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders/42", nil))
	return ctx
}

// userChain is the handler chain of the stack tests, over JSON at Info.
func userChain(w io.Writer) slog.Handler {
	return correlation.NewLogHandler(tracing.NewLogHandler(debugsample.NewLogHandler(slog.NewJSONHandler(w, nil))))
}

// BenchmarkDebugOff is a debug call on an off request, with the context the
// full stack builds, beside a plain slog logger at level Info making the
// same call.
func BenchmarkDebugOff(b *testing.B) {
	offCtx := stackContext(b)
	deep := context.WithValue(context.WithValue(context.WithValue(offCtx, ctxA{}, 1), ctxB{}, 2), ctxC{}, 3)
	plain := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ours := slog.New(userChain(io.Discard))
	cases := []struct {
		name   string
		logger *slog.Logger
		ctx    context.Context
		others bool // another request is sampled meanwhile: no fast path
	}{
		{"slog_at_info", plain, offCtx, false},
		{"off_none_sampled", ours, offCtx, false},
		{"off_others_sampled", ours, offCtx, true},
		{"off_deep_context_others_sampled", ours, deep, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var keep context.Context
			if c.others {
				keep = debugsample.NewContext(context.Background(), debugsample.Live)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.logger.DebugContext(c.ctx, "cache miss", "key", "orders/42")
			}
			runtime.KeepAlive(keep)
		})
	}
}

type ctxA struct{}
type ctxB struct{}
type ctxC struct{}

// BenchmarkDecide is the per-request decision on the common path: policy
// from flags, a hash, the rules, and no token.
func BenchmarkDecide(b *testing.B) {
	rules := []debugsample.Rule{
		{Pattern: "POST /checkout/", LiveRate: 0.5},
		{Pattern: "/admin/", Header: "X-Tenant", Value: "acme", LiveRate: 1},
		{Pattern: "GET /orders/{id}", Header: "X-Tenant", Value: "beta", BufferedRate: 1},
	}
	set := flags.NewSet(flags.WithKeys(debugsample.FlagKeys()...), flags.WithProvider(flags.Static(map[string]any{
		"debug.live_rate":     0.001,
		"debug.buffered_rate": 0.01,
		"debug.rules":         rules,
	})))
	cases := []struct {
		name string
		s    *debugsample.Sampler
	}{
		{"static_policy_no_rules", debugsample.NewSampler(debugsample.WithPolicy(debugsample.Policy{LiveRate: 0.001, BufferedRate: 0.01}))},
		{"static_policy_3_rules", debugsample.NewSampler(debugsample.WithPolicy(debugsample.Policy{LiveRate: 0.001, BufferedRate: 0.01, Rules: rules}))},
		{"flags_3_rules", debugsample.NewSampler(debugsample.WithFlags(set))},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/orders/42", nil)
			r.Header.Set("X-Tenant", "zeta")
			r = r.WithContext(tracedContext(b)) // holds a trace ID
			if d := c.s.Decide(r); d.Mode != debugsample.Off {
				b.Skipf("decided %v: this trace ID is sampled, not the common path", d)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.s.Decide(r)
			}
		})
	}
}

// nop is a handler enabled at every level that does nothing: the cost of
// slog itself.
type nop struct{}

func (nop) Enabled(context.Context, slog.Level) bool  { return true }
func (nop) Handle(context.Context, slog.Record) error { return nil }
func (h nop) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h nop) WithGroup(string) slog.Handler           { return h }

// BenchmarkBufferedRecord is a debug record kept by a buffered request
// (whose buffer is full, so each record also drops the oldest), beside
// slog alone making the same call.
func BenchmarkBufferedRecord(b *testing.B) {
	ctx := debugsample.NewContext(context.Background(), debugsample.Buffered)
	few := []any{"key", "orders/42", "n", 3}
	many := []any{"a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6, "g", 7}
	for _, c := range []struct {
		name   string
		logger *slog.Logger
		args   []any
	}{
		{"slog_alone_2_attrs", slog.New(nop{}), few},
		{"buffered_2_attrs", slog.New(debugsample.NewLogHandler(nop{})), few},
		{"slog_alone_7_attrs", slog.New(nop{}), many},
		{"buffered_7_attrs", slog.New(debugsample.NewLogHandler(nop{})), many},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.logger.DebugContext(ctx, "cache miss", c.args...)
			}
		})
	}
}

// BenchmarkMiddleware is the middleware on an off request, beside the bare
// handler.
func BenchmarkMiddleware(b *testing.B) {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"bare", app},
		{"off", debugsample.NewHandler(app, debugsample.WithPolicy(debugsample.Policy{LiveRate: 0.001}))},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/orders/42", nil)
			r = r.WithContext(correlation.NewContext(r.Context(), "0192f0c4-7a1e-7b3c-9d2e-4f5a6b7c8d9e"))
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(w, r)
			}
		})
	}
}
