//go:build !race

// The race detector changes what escapes to the heap, so allocation counts
// are checked only in builds without it.

package debugsample

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"testing"
)

func TestAllocations(t *testing.T) {
	set := []Rule{{Pattern: "POST /checkout/", LiveRate: 1}, {Pattern: "GET /orders/{id}", Header: "X-Tenant", Value: "beta", BufferedRate: 1}}
	s := NewSampler(WithPolicy(Policy{LiveRate: 0.001, BufferedRate: 0.001, Rules: set}))
	r := httptest.NewRequest("GET", "/orders/42", nil)
	r.Header.Set("X-Tenant", "zeta")
	r = r.WithContext(withTrace(r.Context(), [16]byte{1, 2, 3}))
	offCtx, _ := s.Begin(r.Context(), Decision{})
	liveCtx := NewContext(bg, Live) // keeps the fast path off
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(io.Discard, nil)))

	tests := []struct {
		name string
		max  float64
		fn   func()
	}{
		{"Decide, common path", 0, func() { s.Decide(r) }},
		{"Begin, off", 1, func() { s.Begin(r.Context(), Decision{}) }},
		{"debug call, off", 0, func() { logger.DebugContext(offCtx, "m", "k", "v") }},
		{"FromContext", 0, func() { FromContext(offCtx) }},
		{"debug call, no decision", 0, func() { logger.DebugContext(context.Background(), "m") }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(200, tt.fn); n > tt.max {
			t.Errorf("%s: %v allocations, want at most %v", tt.name, n, tt.max)
		}
	}
	runtime.KeepAlive(liveCtx)

	// A buffered record: no allocation beyond slog's own (the ring is
	// full, so it neither grows nor stops dropping).
	bufCtx := NewContext(bg, Buffered)
	buffered := slog.New(NewLogHandler(nopHandler{}))
	plain := slog.New(nopHandler{})
	for _, args := range [][]any{{"k", 1}, {"a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6, "g", 7}} {
		for i := 0; i < 2*DefaultBufferRecords; i++ {
			buffered.DebugContext(bufCtx, "m", args...)
		}
		a := testing.AllocsPerRun(200, func() { plain.DebugContext(bufCtx, "m", args...) })
		b := testing.AllocsPerRun(200, func() { buffered.DebugContext(bufCtx, "m", args...) })
		if b > a {
			t.Errorf("%d attrs: buffered record %v allocations, slog alone %v", len(args)/2, b, a)
		}
	}
}

type nopHandler struct{}

func (nopHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (nopHandler) Handle(context.Context, slog.Record) error { return nil }
func (h nopHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h nopHandler) WithGroup(string) slog.Handler           { return h }
