package capture_test

import (
	"net/http"
	"os"
	"time"

	"github.com/reprokit/reprokit/capture"
)

// Records are written as an HTTP Archive that browser developer tools,
// Postman and k6's har-to-k6 open. The values are as redacted as the
// records; what HAR has no field for is under "_reprokit".
func ExampleWriteHAR() {
	rec := &capture.Record{
		Schema:        capture.Schema,
		Kind:          capture.KindHTTP,
		ID:            "1f0c6a2b9d8e47f3a5b6c7d8e9f01234",
		Start:         time.Date(2025, 6, 2, 14, 3, 11, 402000000, time.UTC),
		Duration:      12 * time.Millisecond,
		CorrelationID: "req-1f0c6a2b",
		Reason:        capture.ReasonFailure,
		Request: capture.Request{
			Method: "GET",
			URL:    "/orders/42?token=[REDACTED]",
			Host:   "orders.internal",
			Proto:  "HTTP/1.1",
			Header: http.Header{"Authorization": {"Bearer [REDACTED]"}},
		},
		Response: capture.Response{
			Status: 500,
			Header: http.Header{"Content-Type": {"text/plain"}},
			Body:   capture.Body{ContentType: "text/plain", Size: 6, Text: "boom!\n"},
		},
	}
	err := capture.WriteHAR(os.Stdout, []*capture.Record{rec}, &capture.HAROptions{Creator: "debugctl", Version: "v1.0.0"})
	if err != nil {
		panic(err)
	}
	// Output:
	// {
	//   "log": {
	//     "version": "1.2",
	//     "creator": {
	//       "name": "debugctl",
	//       "version": "v1.0.0"
	//     },
	//     "entries": [
	//       {
	//         "startedDateTime": "2025-06-02T14:03:11.402Z",
	//         "time": 12,
	//         "request": {
	//           "method": "GET",
	//           "url": "http://orders.internal/orders/42?token=[REDACTED]",
	//           "httpVersion": "HTTP/1.1",
	//           "cookies": [],
	//           "headers": [
	//             {
	//               "name": "Host",
	//               "value": "orders.internal"
	//             },
	//             {
	//               "name": "Authorization",
	//               "value": "Bearer [REDACTED]"
	//             }
	//           ],
	//           "queryString": [
	//             {
	//               "name": "token",
	//               "value": "[REDACTED]"
	//             }
	//           ],
	//           "headersSize": -1,
	//           "bodySize": 0
	//         },
	//         "response": {
	//           "status": 500,
	//           "statusText": "Internal Server Error",
	//           "httpVersion": "HTTP/1.1",
	//           "cookies": [],
	//           "headers": [
	//             {
	//               "name": "Content-Type",
	//               "value": "text/plain"
	//             }
	//           ],
	//           "content": {
	//             "size": 6,
	//             "mimeType": "text/plain",
	//             "text": "boom!\n"
	//           },
	//           "redirectURL": "",
	//           "headersSize": -1,
	//           "bodySize": 6
	//         },
	//         "cache": {},
	//         "timings": {
	//           "send": 0,
	//           "wait": 12,
	//           "receive": 0
	//         },
	//         "_reprokit": {
	//           "id": "1f0c6a2b9d8e47f3a5b6c7d8e9f01234",
	//           "kind": "http",
	//           "correlation_id": "req-1f0c6a2b",
	//           "reason": "failure",
	//           "truncated": false
	//         }
	//       }
	//     ]
	//   }
	// }
}
