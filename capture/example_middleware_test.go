package capture_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/reprokit/reprokit/capture"
)

// The middleware in on-failure mode: every request's body is kept until
// its response is known, and only the failing request becomes a record,
// redacted before the sink sees it.
func ExampleNewMiddleware() {
	pay := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"amount":-1`) {
			http.Error(w, "negative amount", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "paid")
	})
	sink := capture.NewMemorySink(100)
	handler := capture.NewMiddleware(sink,
		capture.WithPolicy(capture.Policy{OnFailure: true}),
	)(pay)

	for _, body := range []string{
		`{"card":"4111 1111 1111 1111","amount":10}`,
		`{"card":"4111 1111 1111 1111","amount":-1}`,
	} {
		r := httptest.NewRequest("POST", "/pay?api_key=k-123456", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		handler.ServeHTTP(httptest.NewRecorder(), r)
	}

	for _, rec := range sink.Records() {
		fmt.Println(rec.Reason, rec.Response.Status, rec.Request.URL)
		fmt.Println(rec.Request.Body.String())
	}
	// Output:
	// failure 500 /pay?api_key=[REDACTED]
	// {"card":"[REDACTED]","amount":-1}
}
