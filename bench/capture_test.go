package bench_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"testing"

	"github.com/reprokit/reprokit/capture"
)

// captureJSON is a 1 KiB JSON document with a few credentials, the body
// of both the request and the response of BenchmarkCapture.
var captureJSON = func() []byte {
	var b strings.Builder
	b.WriteString(`{"customer":{"id":"cus_0042","email":"ann@example.com","password":"correct-horse-battery"},"items":[`)
	for i := 0; b.Len() < 960; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%04d","qty":%d,"price":19.99}`, i, 1+i%3)
	}
	b.WriteString(`],"access_token":"tok_1a2b3c4d5e6f"}`)
	return []byte(b.String())
}()

// captureApp reads the request body and answers with captureJSON.
var captureApp = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Write(captureJSON)
})

// encodingSink does, on the request's goroutine, the work a file sink's
// worker does for a record short of the system call: it encodes the
// record as a JSON line. Measuring with it puts the sink's CPU in the
// request's figures, as the issue asks.
type encodingSink struct {
	mu  sync.Mutex // guards buf
	buf []byte
}

func (s *encodingSink) Write(_ context.Context, rec *capture.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	s.buf, err = capture.AppendRecord(s.buf[:0], rec)
	return err
}

// dumpMiddleware is the peer: httputil.DumpRequest and DumpResponse of
// the same pair, which neither redact nor bound anything. The response
// is recorded by a writer that keeps the status, header and body.
func dumpMiddleware(next http.Handler) http.Handler {
	var mu sync.Mutex
	var out bytes.Buffer
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := httputil.DumpRequest(r, true)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec := &recordingWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		resp := &http.Response{
			StatusCode: rec.status, ProtoMajor: 1, ProtoMinor: 1,
			Header: w.Header(), Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())),
			ContentLength: int64(rec.body.Len()),
		}
		dump, err := httputil.DumpResponse(resp, true)
		if err != nil {
			return
		}
		mu.Lock()
		out.Reset()
		out.Write(req)
		out.Write(dump)
		mu.Unlock()
	})
}

type recordingWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *recordingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// captureImpls are the implementations BenchmarkCapture compares.
var captureImpls = []struct {
	name string
	wrap func(b *testing.B, h http.Handler) http.Handler
}{
	{"bare", func(_ *testing.B, h http.Handler) http.Handler { return h }},
	{"httputil", func(_ *testing.B, h http.Handler) http.Handler { return dumpMiddleware(h) }},
	{"reprokit", func(_ *testing.B, h http.Handler) http.Handler {
		return capture.NewHandler(h, &encodingSink{}, capture.WithPolicy(capture.Policy{Rate: 1, MaxPerSecond: 1e12}))
	}},
	{"reprokit_unselected", func(_ *testing.B, h http.Handler) http.Handler {
		return capture.NewHandler(h, &encodingSink{})
	}},
}

// BenchmarkCapture measures one request with a 1 KiB JSON body and a
// 1 KiB JSON response through a capture layer: bare, httputil's dumps,
// reprokit capturing it (redacted, and encoded as a JSON line by the
// sink), and reprokit not selecting it.
func BenchmarkCapture(b *testing.B) {
	for _, impl := range captureImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			h := impl.wrap(b, captureApp)
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(
				"POST /orders?token=abc123def456 HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\n" +
					"Authorization: Bearer abc.def.ghi\r\nUser-Agent: bench\r\nContent-Length: " + fmt.Sprint(len(captureJSON)) + "\r\n\r\n")))
			if err != nil {
				b.Fatal(err)
			}
			body := bytes.NewReader(captureJSON)
			rc := io.NopCloser(body)
			w := newWriter()
			b.ReportAllocs()
			b.SetBytes(int64(2 * len(captureJSON)))
			for b.Loop() {
				body.Reset(captureJSON)
				r.Body = rc
				w.reset()
				h.ServeHTTP(w, r)
			}
		})
	}
}
