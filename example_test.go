package reprokit_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/reprokit/reprokit/correlation"
)

// The stack as a service wires it today: the correlation middleware around
// the router, and a logger whose handler stamps the request's ID.
func Example() {
	logger := slog.New(correlation.NewLogHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{} // keep the example's output stable
			}
			return a
		},
	})))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "order read", "order", r.PathValue("id"))
	})
	handler := correlation.NewHandler(mux)

	req := httptest.NewRequest("GET", "/orders/42", nil)
	req.Header.Set("X-Request-ID", "support-ticket-981")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println("response X-Request-ID:", rec.Header().Get("X-Request-ID"))
	// Output:
	// {"level":"INFO","msg":"order read","order":"42","correlation_id":"support-ticket-981"}
	// response X-Request-ID: support-ticket-981
}
