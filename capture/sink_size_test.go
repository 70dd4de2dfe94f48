package capture

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/flags"
)

func TestRecordSizeCountsEachPart(t *testing.T) {
	const k = 10000
	big := strings.Repeat("a", k)
	for _, tt := range []struct {
		name string
		set  func(*Record)
	}{
		{name: "URL", set: func(r *Record) { r.Request.URL = big }},
		{name: "request header value", set: func(r *Record) { r.Request.Header = http.Header{"X": {big}} }},
		{name: "request header name", set: func(r *Record) { r.Request.Header = http.Header{big: {"v"}} }},
		{name: "request trailer", set: func(r *Record) { r.Request.Trailer = http.Header{"X": {big}} }},
		{name: "request text", set: func(r *Record) { r.Request.Body.Text = big }},
		{name: "request base64", set: func(r *Record) { r.Request.Body.Base64 = big }},
		{name: "response header", set: func(r *Record) { r.Response.Header = http.Header{"X": {"a", big}} }},
		{name: "response trailer", set: func(r *Record) { r.Response.Trailer = http.Header{"X": {big}} }},
		{name: "response text", set: func(r *Record) { r.Response.Body.Text = big }},
		{name: "response base64", set: func(r *Record) { r.Response.Body.Base64 = big }},
		{name: "error", set: func(r *Record) { r.Error = big }},
		{name: "panic", set: func(r *Record) { r.Panic = big }},
		{name: "gRPC message", set: func(r *Record) { r.GRPC = &GRPCStatus{Code: "Internal", Message: big} }},
		{name: "flag name", set: func(r *Record) { r.Flags = []flags.FlagValue{{Name: big, Value: true}} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var rec Record
			base := recordSize(&rec)
			tt.set(&rec)
			assert.GreaterOrEqual(t, recordSize(&rec)-base, int64(k))
		})
	}
}

func TestRecordSizeIsCloseToTheLine(t *testing.T) {
	for _, body := range []int{0, 100, 1000, 100000} {
		rec := testRecord(1, body, testEnv("00000000000000e1"))
		line, err := AppendRecord(nil, rec)
		require.NoError(t, err)
		est := recordSize(rec)
		assert.GreaterOrEqual(t, est, int64(len(line))/2, "body %d: estimate %d, line %d", body, est, len(line))
		assert.LessOrEqual(t, est, 2*int64(len(line)), "body %d: estimate %d, line %d", body, est, len(line))
	}
}

func TestRecordSizeDoesNotAllocate(t *testing.T) {
	rec := testRecord(1, 1000, nil)
	rec.Flags = []flags.FlagValue{{Name: "f", Value: 1}}
	var n int64
	allocs := testing.AllocsPerRun(100, func() { n += recordSize(rec) })
	assert.Zero(t, allocs)
	assert.Positive(t, n)
}
