package debugsample_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/reprokit/reprokit/debugsample"
)

// dropTime keeps the examples' output stable.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// Buffered mode: every request keeps its debug lines, and only the one
// that fails writes them, after its error and marked debug_buffered.
func ExampleNewHandler() {
	// The production logger stays at level Info.
	logger := slog.New(debugsample.NewLogHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime})))
	checkout := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.DebugContext(r.Context(), "cart loaded", "items", 3)
		if r.URL.Query().Get("coupon") == "bad" {
			logger.ErrorContext(r.Context(), "checkout failed")
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		logger.InfoContext(r.Context(), "checkout done")
	})
	h := debugsample.NewHandler(checkout, debugsample.WithPolicy(debugsample.Policy{BufferedRate: 1}))

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/checkout", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/checkout?coupon=bad", nil))
	// Output:
	// {"level":"INFO","msg":"checkout done"}
	// {"level":"ERROR","msg":"checkout failed"}
	// {"level":"DEBUG","msg":"cart loaded","items":3,"debug_buffered":true}
}

// Stats counts the decisions and what became of buffered records.
func ExampleStats() {
	stats := new(debugsample.Stats)
	logger := slog.New(debugsample.NewLogHandler(slog.DiscardHandler))
	h := debugsample.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.DebugContext(r.Context(), "step")
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}), debugsample.WithPolicy(debugsample.Policy{BufferedRate: 1}), debugsample.WithStats(stats))
	for _, path := range []string{"/", "/", "/fail"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	fmt.Println("buffered requests:", stats.Decisions(debugsample.Buffered))
	fmt.Println("records flushed:", stats.Flushed(), "discarded:", stats.Discarded())
	// Output:
	// buffered requests: 3
	// records flushed: 1 discarded: 2
}
