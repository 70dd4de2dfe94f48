package correlation_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/reprokit/reprokit/correlation"
)

// A service wraps its handler once; every request then has an ID in its
// context, on its response and on every log line it causes.
func ExampleNewHandler() {
	logger := slog.New(correlation.NewLogHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: dropTime, // keep the example's output stable
	})))
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "order placed", "items", 3)
	})
	srv := httptest.NewServer(correlation.NewHandler(api))
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/orders", nil)
	req.Header.Set("X-Request-ID", "checkout-7f3a")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("echoed:", resp.Header.Get("X-Request-ID"))
	// Output:
	// {"level":"INFO","msg":"order placed","items":3,"correlation_id":"checkout-7f3a"}
	// echoed: checkout-7f3a
}

// A hostile ID is never trusted: the request gets a new one, and the
// rejection is counted.
func ExampleStats() {
	stats := new(correlation.Stats)
	h := correlation.NewHandler(http.NotFoundHandler(), correlation.WithStats(stats))

	req := httptest.NewRequest("GET", "/", nil)
	req.Header["X-Request-Id"] = []string{"x\r\nSet-Cookie: admin=1"}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	fmt.Println("new ID is valid:", correlation.ValidID(rec.Header().Get("X-Request-ID")))
	fmt.Println("accepted:", stats.Accepted(), "generated:", stats.Generated(), "rejected:", stats.Rejected())
	// Output:
	// new ID is valid: true
	// accepted: 0 generated: 1 rejected: 1
}

// Outgoing calls made with the request's context carry its ID, so the next
// service logs under the same one.
func ExampleNewTransport() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "backend saw "+r.Header.Get("X-Request-ID"))
	}))
	defer backend.Close()
	client := &http.Client{Transport: correlation.NewTransport(nil)}

	ctx := correlation.NewContext(context.Background(), "job-2024-11-22")
	req, _ := http.NewRequestWithContext(ctx, "GET", backend.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output: backend saw job-2024-11-22
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}
