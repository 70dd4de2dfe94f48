package capture

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFilterMatch(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	rec := &Record{
		ID:            "0123456789abcdef0123456789abcdef",
		Start:         t0,
		CorrelationID: "req-1",
		TraceID:       "4bf92f3577b34da6a3ce929d0e0e4736",
		Reason:        ReasonFailure,
		Request:       Request{Method: "POST", URL: "/orders/42?token=[REDACTED]", Route: "POST /orders/{id}"},
		Response:      Response{Status: 503},
	}
	noRoute := &Record{
		Start:    t0,
		Request:  Request{Method: "GET", URL: "http://api.example.com/static/app%20v1.js?x=1"},
		Response: Response{Status: 0},
	}
	for _, tt := range []struct {
		name string
		f    Filter
		rec  *Record
		want bool
	}{
		{"zero filter", Filter{}, rec, true},
		{"nil record", Filter{}, nil, false},
		{"ID", Filter{ID: rec.ID}, rec, true},
		{"other ID", Filter{ID: "ff"}, rec, false},
		{"ID prefix is not the ID", Filter{ID: rec.ID[:8]}, rec, false},
		{"correlation ID", Filter{CorrelationID: "req-1"}, rec, true},
		{"other correlation ID", Filter{CorrelationID: "req-2"}, rec, false},
		{"trace ID", Filter{TraceID: rec.TraceID}, rec, true},
		{"trace ID in upper case", Filter{TraceID: "4BF92F3577B34DA6A3CE929D0E0E4736"}, rec, false},
		{"route with method", Filter{Route: "POST /orders/{id}"}, rec, true},
		{"route without method", Filter{Route: "/orders/{id}"}, rec, true},
		{"URL path", Filter{Route: "/orders/42"}, rec, true},
		{"URL with query", Filter{Route: "/orders/42?token=[REDACTED]"}, rec, false},
		{"other route", Filter{Route: "/orders/"}, rec, false},
		{"path of an absolute URL, decoded", Filter{Route: "/static/app v1.js"}, noRoute, true},
		{"method", Filter{Method: "POST"}, rec, true},
		{"method in lower case", Filter{Method: "post"}, rec, true},
		{"other method", Filter{Method: "GET"}, rec, false},
		{"status", Filter{Status: []int{503}}, rec, true},
		{"status class", Filter{Status: []int{5}}, rec, true},
		{"any of", Filter{Status: []int{404, 503}}, rec, true},
		{"other status", Filter{Status: []int{500}}, rec, false},
		{"other class", Filter{Status: []int{4}}, rec, false},
		{"no response", Filter{Status: []int{0}}, noRoute, true},
		{"no response is in no class", Filter{Status: []int{1, 2, 3, 4, 5}}, noRoute, false},
		{"reason", Filter{Reason: ReasonFailure}, rec, true},
		{"other reason", Filter{Reason: ReasonRate}, rec, false},
		{"since, inclusive", Filter{Since: t0}, rec, true},
		{"since, later", Filter{Since: t0.Add(time.Nanosecond)}, rec, false},
		{"until, exclusive", Filter{Until: t0}, rec, false},
		{"until, later", Filter{Until: t0.Add(time.Second)}, rec, true},
		{"every field", Filter{
			ID: rec.ID, CorrelationID: "req-1", TraceID: rec.TraceID, Route: "/orders/42", Method: "post",
			Status: []int{5}, Reason: ReasonFailure, Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour),
		}, rec, true},
		{"every field but one", Filter{
			ID: rec.ID, CorrelationID: "req-1", TraceID: rec.TraceID, Route: "/orders/42", Method: "post",
			Status: []int{4}, Reason: ReasonFailure, Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour),
		}, rec, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.f.Match(tt.rec))
		})
	}
}

func TestRequestPath(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/orders/42?token=[REDACTED]", "/orders/42"},
		{"/a%2Fb", "/a/b"},
		{"http://example.com/x?y", "/x"},
		{"/pkg.Service/Method", "/pkg.Service/Method"},
		{"*", "*"},
		{"%zz?q", "%zz"}, // does not parse
		{"", ""},
	} {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, requestPath(tt.in))
		})
	}
}
