package capture

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// cannedTarget answers every request with the same response, without a
// network: what Replay itself costs a record.
type cannedTarget struct{ body []byte }

func (c cannedTarget) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Date": {"Sun, 22 Nov 2026 12:00:00 GMT"}},
		Body:          io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)), Request: r,
	}, nil
}

func BenchmarkReplayRecord(b *testing.B) {
	body := []byte(`{"id":"42","status":"paid","items":[{"sku":"SKU-0001","qty":1},{"sku":"SKU-0002","qty":2}],"total":31.98}`)
	rec := &Record{
		Schema: Schema, Kind: KindHTTP, ID: "0123456789abcdef0123456789abcdef", Start: time.Unix(1700000000, 0),
		CorrelationID: "order-42", Reason: ReasonRate,
		Request: Request{Method: "GET", URL: "/orders/42", Host: "127.0.0.1:8080", Proto: "HTTP/1.1", Route: "GET /orders/{id}",
			Header: http.Header{"Authorization": {"Bearer [REDACTED]"}, "Accept": {"application/json"}, "User-Agent": {"curl/8"}}},
		Response: Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: Body{ContentType: "application/json", Size: int64(len(body)), JSON: body}},
	}
	to := cannedTarget{body: body}
	ctx := context.Background()
	env := &Env{ID: "x"}
	b.ReportAllocs()
	for b.Loop() {
		res, err := Replay(ctx, rec, to, WithEnv(func() *Env { return env }))
		if err != nil || !res.Diff.Equal() {
			b.Fatal(err, res.Diff.String())
		}
	}
}
