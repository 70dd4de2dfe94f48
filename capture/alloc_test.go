//go:build !race

// The race detector changes what escapes to the heap, so allocation counts
// are checked only in builds without it; .ci/run runs these separately.

package capture_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/flags"
)

// nopWriter is a ResponseWriter that allocates nothing.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(int)             {}

var okBody = []byte("ok")

// TestNotSelectedAddsNoAllocation: the budget for a request the
// capture layer does not select, with a static policy and with flags.
func TestNotSelectedAddsNoAllocation(t *testing.T) {
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(okBody) })
	set := flags.NewSet(flags.WithKeys(capture.FlagKeys()...), flags.WithProvider(flags.Static(map[string]any{
		"capture.rules": []any{map[string]any{"pattern": "POST /checkout", "rate": 1}},
	})))
	sink := capture.SinkFunc(func(context.Context, *capture.Record) error { return nil })
	for _, tt := range []struct {
		name string
		opts []capture.Option
	}{
		{"default policy", nil},
		{"rate 0 and rules", []capture.Option{capture.WithPolicy(capture.Policy{Rules: []capture.Rule{{Pattern: "POST /checkout", Rate: 1}}})}},
		{"flags", []capture.Option{capture.WithFlags(set)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := capture.NewHandler(bare, sink, tt.opts...)
			r := httptest.NewRequest("GET", "/orders/42", strings.NewReader(""))
			w := &nopWriter{h: http.Header{}}
			h.ServeHTTP(w, r) // compile the rules once
			want := testing.AllocsPerRun(200, func() { bare.ServeHTTP(w, r) })
			got := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, r) })
			if got != want {
				t.Errorf("not selected: %v allocations, bare handler %v", got, want)
			}
		})
	}
}
