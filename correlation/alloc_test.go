//go:build !race

// The race detector changes what escapes to the heap, so allocation counts
// are checked only in builds without it; .ci/run runs these separately.

package correlation

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestFromContextDoesNotAllocate(t *testing.T) {
	ctx := context.WithValue(NewContext(context.Background(), "abc"), otherKey{}, 1)
	if n := testing.AllocsPerRun(100, func() { FromContext(ctx) }); n != 0 {
		t.Errorf("FromContext allocates %v times", n)
	}
}

func TestDisabledLogCallDoesNotAllocate(t *testing.T) {
	l := slog.New(NewLogHandler(slog.NewJSONHandler(new(bytes.Buffer), nil)))
	ctx := NewContext(context.Background(), "x")
	if n := testing.AllocsPerRun(100, func() { l.DebugContext(ctx, "m", "k", "v") }); n != 0 {
		t.Errorf("a disabled call allocates %v times", n)
	}
}

func TestLogHandlerAddsNoAllocation(t *testing.T) {
	ctx := NewContext(context.Background(), "0192a8c4-7e0b-7c1e-9d3f-3a2b1c0d9e8f")
	var plain, stamped bytes.Buffer
	lp := slog.New(slog.NewJSONHandler(&plain, nil))
	ls := slog.New(NewLogHandler(slog.NewJSONHandler(&stamped, nil)))
	a := testing.AllocsPerRun(200, func() { plain.Reset(); lp.InfoContext(ctx, "m", "a", 1, "b", "two", "c", true) })
	b := testing.AllocsPerRun(200, func() { stamped.Reset(); ls.InfoContext(ctx, "m", "a", 1, "b", "two", "c", true) })
	if b > a {
		t.Errorf("with the ID a log call allocates %v times, plain JSON %v", b, a)
	}
}

// resetWriter is a ResponseWriter whose header map is reused, so that only
// the middleware's own allocations are counted.
type resetWriter struct{ h http.Header }

func (w *resetWriter) Header() http.Header         { return w.h }
func (w *resetWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *resetWriter) WriteHeader(int)             {}

func TestMiddlewareAllocationsOverBare(t *testing.T) {
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok"))
	})
	wrapped := NewHandler(bare)
	allocs := func(h http.Handler, id string) float64 {
		req := httptest.NewRequest("GET", "/", nil)
		if id != "" {
			req.Header.Set("X-Request-ID", id)
		}
		w := &resetWriter{h: make(http.Header)}
		return testing.AllocsPerRun(500, func() {
			clear(w.h)
			h.ServeHTTP(w, req)
		})
	}
	base := allocs(bare, "")
	tests := []struct {
		name string
		id   string
		max  float64
	}{
		{"valid incoming ID", "0192a8c4-7e0b-7c1e-9d3f-3a2b1c0d9e8f", 2},
		{"new ID", "", 4},
	}
	for _, tt := range tests {
		if got := allocs(wrapped, tt.id) - base; got > tt.max {
			t.Errorf("%s: %v allocations over the bare handler, want at most %v", tt.name, got, tt.max)
		}
	}
}
