package capture_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/reprokit/reprokit/capture"
)

// A capture file holds an environment snapshot before the first record
// that was taken in it; the Decoder sets that snapshot as the record's
// Env, so a record read from a file tells which build and settings
// served it.
func ExampleDecoder() {
	const file = `{"schema":"reprokit.capture.v1","kind":"env","id":"a3f1c09b7e2d4c58","taken":"2025-06-02T12:03:11Z","service":"orders","runtime":{"go_version":"go1.25.0","goos":"linux","goarch":"amd64","gomaxprocs":2,"num_cpu":2,"timezone":"UTC","timezone_offset":0},"build":{"main":{"path":"example.com/orders","version":"v1.8.0"}}}
{"schema":"reprokit.capture.v1","kind":"http","id":"3b2c4d5e6f708192a3b4c5d6e7f80912","start":"2025-06-02T14:03:16.402118Z","duration_ns":2000000,"reason":"failure","request":{"method":"POST","url":"/orders/43/pay","body":{"content_type":"application/json","size":23,"text":"{\"method\":\"[REDACTED]\"}"}},"response":{"status":500,"body":{"size":22,"text":"Internal Server Error\n"}},"panic":"runtime error: invalid memory address or nil pointer dereference","env_id":"a3f1c09b7e2d4c58"}
`
	d := capture.NewDecoder(strings.NewReader(file))
	for {
		rec, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println(err) // a *capture.LineError: the Decoder goes on with the next line
			continue
		}
		fmt.Println(rec.Request.Method, rec.Request.URL, "->", rec.Response.Status, "in", rec.Duration)
		fmt.Println("request body:", rec.Request.Body.String())
		fmt.Println("panic:", rec.Panic)
		if rec.Env != nil {
			fmt.Println("served by", rec.Env.Service, rec.Env.Build.Main.Version, "built with", rec.Env.Runtime.GoVersion)
		}
	}
	// Output:
	// POST /orders/43/pay -> 500 in 2ms
	// request body: {"method":"[REDACTED]"}
	// panic: runtime error: invalid memory address or nil pointer dereference
	// served by orders v1.8.0 built with go1.25.0
}
