package capture_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/reprokit/reprokit/capture"
)

// Reading the capture files of a folder, keeping the failed requests, and
// summing them up: what `debugctl captures ls --status 5xx` and `debugctl
// captures stats` do.
func ExampleReadFiles() {
	dir, err := os.MkdirTemp("", "captures")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	// A file as a service's FileSink writes it.
	ctx := context.Background()
	sink, err := capture.NewFileSink(filepath.Join(dir, "captures.jsonl"), nil)
	if err != nil {
		panic(err)
	}
	for i, status := range []int{200, 500, 200} {
		sink.Write(ctx, &capture.Record{
			ID:            fmt.Sprintf("%032x", i),
			Start:         time.Date(2025, 6, 1, 10, 0, i, 0, time.UTC),
			CorrelationID: fmt.Sprintf("req-%d", i),
			Reason:        capture.ReasonRate,
			Request:       capture.Request{Method: "GET", URL: "/orders/42", Route: "GET /orders/{id}"},
			Response:      capture.Response{Status: status},
		})
	}
	sink.Close(ctx)

	failed := capture.Filter{Status: []int{5}} // 5xx
	var all []*capture.Record
	for fr, err := range capture.ReadFiles([]string{dir}) {
		if err != nil { // a bad line, with its file and line: skip it
			fmt.Println("skipped:", err)
			continue
		}
		if failed.Match(fr.Record) {
			fmt.Printf("%s:%d: %s answered %d\n", filepath.Base(fr.File), fr.Line, fr.Record.CorrelationID, fr.Record.Response.Status)
		}
		all = append(all, fr.Record)
	}
	s := capture.Summarize(all)
	fmt.Printf("%d records, from %s to %s\n", s.Records, s.First.Format(time.TimeOnly), s.Last.Format(time.TimeOnly))
	for _, r := range s.Routes {
		fmt.Printf("%d × %s %d\n", r.Records, r.Route, r.Status)
	}
	// Output:
	// captures.jsonl:2: req-1 answered 500
	// 3 records, from 10:00:00 to 10:00:02
	// 2 × GET /orders/{id} 200
	// 1 × GET /orders/{id} 500
}
