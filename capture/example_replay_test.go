package capture_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/reprokit/reprokit/capture"
)

// A record captured in production is replayed against the handler in
// the process: the redacted Authorization header is filled in, and the
// response is compared with the recorded one, ignoring a field that
// changes on every call.
func ExampleReplay() {
	rec := &capture.Record{
		Schema: capture.Schema,
		Kind:   capture.KindHTTP,
		Request: capture.Request{
			Method: "GET",
			URL:    "/orders/42",
			Header: http.Header{"Authorization": {"Bearer [REDACTED]"}},
		},
		Response: capture.Response{
			Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   capture.Body{Text: `{"id":42,"total":30,"served_at":"2024-05-01T10:00:00Z"}`},
		},
	}
	orders := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer local-test-token" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":42,"total":31,"served_at":"2025-01-01T00:00:00Z"}`)
	})

	res, err := capture.Replay(context.Background(), rec, capture.HandlerTarget(orders),
		capture.WithSubstitute(func(where, name string) (string, bool) {
			if where == capture.InHeader && name == "Authorization" {
				return "Bearer local-test-token", true
			}
			return "", false
		}),
		capture.WithIgnoreFields("served_at"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Diff.Equal())
	fmt.Println(res.Diff)
	// Output:
	// false
	// the replayed response differs from the recorded one (recorded → replayed):
	//   body total: 30 → 31
}
