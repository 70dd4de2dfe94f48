package capture_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/reprokit/reprokit/capture"
)

// An AsyncSink in front of a FileSink: the request path only queues the
// record, and Close writes what was queued before it closes the file.
func ExampleAsyncSink() {
	dir, err := os.MkdirTemp("", "reprokit-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "captures.jsonl")

	file, err := capture.NewFileSink(path, &capture.FileOptions{MaxBytes: 16 << 20, MaxFiles: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	sink := capture.NewAsyncSink(file, nil)

	ctx := context.Background()
	for i := range 3 {
		err := sink.Write(ctx, &capture.Record{
			ID:       fmt.Sprintf("%032x", i),
			Start:    time.Date(2025, 3, 1, 12, 0, i, 0, time.UTC),
			Reason:   capture.ReasonManual,
			Request:  capture.Request{Method: "GET", URL: fmt.Sprintf("/orders/%d", i)},
			Response: capture.Response{Status: 200},
		})
		if err != nil { // ErrQueueFull: the record was dropped and counted
			fmt.Println(err)
		}
	}

	// At shutdown: drain the queue, then sync and close the file.
	shutdown, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sink.Close(shutdown); err != nil {
		fmt.Println(err)
	}

	recs, err := capture.ReadFile(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(recs), "records in the file")
	for _, r := range recs {
		fmt.Println(r.Request.Method, r.Request.URL, r.Response.Status)
	}
	fmt.Printf("%+v\n", sink.Stats())
	// Output:
	// 3 records in the file
	// GET /orders/0 200
	// GET /orders/1 200
	// GET /orders/2 200
	// {Accepted:3 Dropped:0 Written:3 Errors:0 Panics:0 Queued:0}
}
