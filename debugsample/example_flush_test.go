package debugsample_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/reprokit/reprokit/debugsample"
)

// Flush writes a buffered request's debug lines at a point the handler
// chooses, such as an error it handles without failing the request.
func ExampleFlush() {
	logger := slog.New(debugsample.NewLogHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime})))
	h := debugsample.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		logger.DebugContext(ctx, "calling the rates service")
		if err := fetchRates(); err != nil {
			logger.WarnContext(ctx, "using cached rates", "error", err)
			debugsample.Flush(ctx)
		}
		logger.DebugContext(ctx, "cached rates used") // buffered again: the request succeeds, so dropped
	}), debugsample.WithPolicy(debugsample.Policy{BufferedRate: 1}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/quote", nil))
	// Output:
	// {"level":"WARN","msg":"using cached rates","error":"rates service timed out"}
	// {"level":"DEBUG","msg":"calling the rates service","debug_buffered":true}
}

func fetchRates() error { return errors.New("rates service timed out") }
