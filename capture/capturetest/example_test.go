package capturetest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/capture/capturetest"
)

// A request captured in production becomes a regression test: the record
// is written to a fixture (in a real project, the line is copied from
// the capture file into testdata once), loaded, and replayed against the
// handler. A change to the handler broke discount codes, and the test
// fails with the difference.
//
// In a test file, t is the test's *testing.T and the whole test is:
//
//	rec := capturetest.Find(t, capturetest.Load(t, "testdata/orders.jsonl"), capturetest.ByCorrelationID("req-7f3a"))
//	capturetest.Replay(t, ordersHandler(), rec, capture.WithIgnoreFields("created_at"))
//
// An example has no *testing.T: exampleT stands in for one, and prints
// what the test would report.
func Example() {
	dir, err := os.MkdirTemp("", "capturetest-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	fixture := filepath.Join(dir, "testdata", "orders.jsonl")
	t := &exampleT{}

	// The record as the capture middleware stored it: an order of 25 with
	// a discount code of 5.
	capturetest.WriteFixture(t, fixture, &capture.Record{
		ID:            "5f0c2a9e7d314b6c8a1e2f3d4c5b6a79",
		Start:         time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		CorrelationID: "req-7f3a",
		Reason:        capture.ReasonFailure,
		Request: capture.Request{
			Method: "POST",
			URL:    "/orders",
			Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer [REDACTED]"}},
			Body:   capture.Body{ContentType: "application/json", Size: 39, Text: `{"items":[{"price":25}],"code":"SAVE5"}`},
		},
		Response: capture.Response{
			Status: 201,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   capture.Body{ContentType: "application/json", Text: `{"total":20,"created_at":"2024-05-01T10:00:00Z"}`},
		},
	})

	recs := capturetest.Load(t, fixture)
	rec := capturetest.Find(t, recs, capturetest.ByCorrelationID("req-7f3a"))
	capturetest.Replay(t, ordersHandler(), rec, capture.WithIgnoreFields("created_at"))
	// Output:
	// log: capturetest: replaying record 5f0c2a9e7d314b6c8a1e2f3d4c5b6a79: header "Authorization" holds a redacted value: left out
	// FAIL: capturetest: replaying record 5f0c2a9e7d314b6c8a1e2f3d4c5b6a79: the replayed response differs from the recorded one (recorded → replayed):
	//   body total: 20 → 15
}

// ordersHandler is the handler under test, with a new bug: a discount
// code is applied twice.
func ordersHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var order struct {
			Items []struct{ Price int } `json:"items"`
			Code  string                `json:"code"`
		}
		if err := json.NewDecoder(r.Body).Decode(&order); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		total := 0
		for _, it := range order.Items {
			total += it.Price
		}
		if order.Code == "SAVE5" {
			total -= 5
			total -= 5 // the bug
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"total":%d,"created_at":%q}`, total, time.Now().UTC().Format(time.RFC3339))
	})
}

// exampleT stands in for a *testing.T in an example: it prints what a
// test would report. Only the methods capturetest calls are given.
type exampleT struct {
	testing.TB
}

func (*exampleT) Helper()                      {}
func (*exampleT) Context() context.Context     { return context.Background() }
func (*exampleT) Logf(format string, a ...any) { fmt.Printf("log: "+format+"\n", a...) }
func (*exampleT) Errorf(format string, a ...any) {
	fmt.Printf("FAIL: "+format+"\n", a...)
}
func (*exampleT) Fatalf(format string, a ...any) {
	panic(fmt.Sprintf("FATAL: "+format, a...))
}
